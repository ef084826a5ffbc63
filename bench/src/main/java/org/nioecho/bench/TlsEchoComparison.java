package org.nioecho.bench;

import org.nioecho.harness.TrustAnyCertificate;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Measurement only: {@code echo-server.jar --tls} (our own SSLEngine state machine) against
 * {@link TlsChannelEchoServer} (tls-channel) on one certificate, TLS 1.3 with
 * TLS_AES_128_GCM_SHA256, alternating, in one run: full handshakes/s ({@code openssl s_time
 * -new}), 16 KiB echo throughput over 4 connections, and the server's CPU from
 * {@code /proc/PID/stat}. Usage: {@code TlsEchoComparison ECHO-SERVER.jar ROUNDS SECONDS MIB-PER-CONNECTION}.
 */
public final class TlsEchoComparison {
    private static final String SUITE = "TLS_AES_128_GCM_SHA256";
    private static final int CONNECTIONS = 4;
    private static final int BLOCK_BYTES = 16 * 1024;
    private static final double TICKS_PER_SECOND = 100.0; // USER_HZ on Linux x86-64

    private TlsEchoComparison() {
    }

    public static void main(String[] args) throws Exception {
        Path serverJar = Path.of(args[0]);
        int rounds = Integer.parseInt(args[1]);
        int seconds = Integer.parseInt(args[2]);
        long mibPerConnection = Long.parseLong(args[3]);
        Path dir = Files.createTempDirectory("tls-compare");
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        run(List.of("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", key.toString(), "-out", cert.toString(), "-days", "7", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process ours = new ProcessBuilder(java, "-jar", serverJar.toString(), "--tls", "--tls-cert", cert.toString(),
                "--tls-key", key.toString(), "--port", "0").redirectError(dir.resolve("ours.err").toFile()).start();
        Process theirs = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                TlsChannelEchoServer.class.getName(), "0", cert.toString(), key.toString())
                .redirectError(dir.resolve("tlschannel.err").toFile()).start();
        try {
            int ourPort = port(ours, Pattern.compile("listening on [^ ]+:(\\d+)"));
            int theirPort = port(theirs, Pattern.compile("listening on [^ ]+:(\\d+)"));
            System.out.printf("java %s, load %s%n", System.getProperty("java.version"),
                    Files.readString(Path.of("/proc/loadavg")).trim());
            System.out.println("round server        handshakes/s  cpu-ms/handshake  MiB/s   cpu-ms/MiB");
            for (int round = 1; round <= rounds; round++) {
                boolean oursFirst = round % 2 == 1;
                for (int i = 0; i < 2; i++) {
                    boolean isOurs = (i == 0) == oursFirst;
                    Process process = isOurs ? ours : theirs;
                    int port = isOurs ? ourPort : theirPort;
                    double[] handshakes = handshakes(process.pid(), port, seconds);
                    double[] stream = stream(process.pid(), port, mibPerConnection);
                    System.out.printf("%5d %-13s %12.0f  %16.2f  %6.1f  %10.2f%n", round,
                            isOurs ? "ours" : "tls-channel", handshakes[0], handshakes[1], stream[0], stream[1]);
                }
            }
        } finally {
            ours.destroy();
            theirs.destroy();
            ours.waitFor(10, TimeUnit.SECONDS);
            theirs.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Full TLS 1.3 handshakes for {@code seconds}, one at a time: {handshakes/s, server CPU ms per handshake}. */
    private static double[] handshakes(long pid, int port, int seconds) throws Exception {
        long cpuBefore = cpuTicks(pid);
        String out = run(List.of("openssl", "s_time", "-connect", "127.0.0.1:" + port, "-new", "-tls1_3",
                "-ciphersuites", SUITE, "-time", Integer.toString(seconds)));
        long cpu = cpuTicks(pid) - cpuBefore;
        Matcher m = Pattern.compile("(\\d+) connections in (\\d+) real seconds").matcher(out);
        if (!m.find()) {
            throw new IllegalStateException("s_time said: " + out);
        }
        double count = Double.parseDouble(m.group(1));
        return new double[] {count / Double.parseDouble(m.group(2)), cpu / TICKS_PER_SECOND * 1000 / count};
    }

    /** {@value #CONNECTIONS} connections each echo {@code mib} MiB in 16 KiB writes: {MiB/s, server CPU ms per MiB}. */
    private static double[] stream(long pid, int port, long mib) throws Exception {
        SSLContext context = TrustAnyCertificate.context("TLSv1.3");
        List<SSLSocket> sockets = new ArrayList<>();
        for (int i = 0; i < CONNECTIONS; i++) {
            Socket raw = new Socket();
            raw.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            raw.setTcpNoDelay(true);
            SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(raw, "localhost", port, true);
            socket.setSoTimeout(60_000);
            socket.setEnabledProtocols(new String[] {"TLSv1.3"});
            socket.setEnabledCipherSuites(new String[] {SUITE});
            socket.startHandshake();
            sockets.add(socket);
        }
        long bytes = mib * 1024 * 1024;
        long cpuBefore = cpuTicks(pid);
        long start = System.nanoTime();
        List<CompletableFuture<Void>> done = new ArrayList<>();
        for (SSLSocket socket : sockets) {
            done.add(onThread(() -> write(socket.getOutputStream(), bytes)));
            done.add(onThread(() -> read(socket.getInputStream(), bytes)));
        }
        CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(10, TimeUnit.MINUTES);
        double elapsed = (System.nanoTime() - start) / 1e9;
        long cpu = cpuTicks(pid) - cpuBefore;
        for (SSLSocket socket : sockets) {
            socket.close();
        }
        double totalMib = (double) mib * CONNECTIONS;
        return new double[] {totalMib / elapsed, cpu / TICKS_PER_SECOND * 1000 / totalMib};
    }

    private static void write(OutputStream out, long bytes) throws IOException {
        byte[] block = new byte[BLOCK_BYTES];
        for (long sent = 0; sent < bytes; sent += BLOCK_BYTES) {
            out.write(block);
        }
        out.flush();
    }

    private static void read(InputStream in, long bytes) throws IOException {
        byte[] block = new byte[BLOCK_BYTES];
        long received = 0;
        while (received < bytes) {
            int n = in.read(block);
            if (n < 0) {
                throw new IOException("echo ended after " + received + " of " + bytes + " bytes");
            }
            received += n;
        }
    }

    private interface IoTask {
        void run() throws IOException;
    }

    private static CompletableFuture<Void> onThread(IoTask task) {
        CompletableFuture<Void> result = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                task.run();
                result.complete(null);
            } catch (IOException | RuntimeException e) {
                result.completeExceptionally(e);
            }
        }, "tls-compare-io");
        thread.setDaemon(true);
        thread.start();
        return result;
    }

    /** utime + stime of {@code pid}, in clock ticks (fields 14 and 15 of /proc/PID/stat). */
    private static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    private static int port(Process process, Pattern startLine) throws IOException {
        BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        for (String line; (line = lines.readLine()) != null; ) {
            Matcher m = startLine.matcher(line);
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
        }
        throw new IllegalStateException("server ended before its start line");
    }

    private static String run(List<String> command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.PIPE).start();
        process.getOutputStream().close();
        CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> {
            try {
                return process.getInputStream().readAllBytes();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("timed out: " + command);
        }
        String text = new String(out.get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
            throw new IllegalStateException(command.get(0) + " " + command.get(1) + " exited " + process.exitValue() + ": " + text);
        }
        return text;
    }

}
