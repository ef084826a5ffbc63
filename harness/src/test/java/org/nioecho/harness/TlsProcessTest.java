package org.nioecho.harness;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.nioecho.server.Peers;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URLConnection;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --tls} as a real process: a key store whose password is in the environment, and TLS on two reactors. */
@Timeout(value = 240, unit = TimeUnit.SECONDS) // each wait below is bounded
class TlsProcessTest {
    private static final String PASSWORD_VARIABLE = "NIOECHO_TEST_P12_PASSWORD";

    /**
     * A PKCS#12 key store (made by {@code openssl pkcs12}) whose password comes from
     * {@code --tls-keystore-password-env}: echo works over TLS; with the variable unset the
     * server says so in one line and exits 2, binding nothing.
     */
    @Test
    void keyStorePasswordFromTheEnvironment(@TempDir Path dir) throws Exception {
        Path store = keyStore(dir, "s3cret-" + ProcessHandle.current().pid());
        String password = Files.readString(dir.resolve("password")).trim();
        try (ServerProcess server = ServerProcess.builder().environment(PASSWORD_VARIABLE, password)
                .args("--tls", "--tls-keystore", store.toString(), "--tls-keystore-password-env", PASSWORD_VARIABLE).start()) {
            assertTrue(server.stdout().get(0).contains(" tls sha256="), server.stdout().get(0));
            byte[] sent = Peers.randomBytes(256 << 10, 7);
            try (SSLSocket socket = tlsSocket(server.address())) {
                assertArrayEquals(sent, echo(socket, sent));
            }
        }

        List<String> command = List.of(ProcessHandle.current().info().command().orElse("java"), "-jar",
                ServerProcess.defaultJar().toString(), "--port", "0", "--tls", "--tls-keystore", store.toString(),
                "--tls-keystore-password-env", PASSWORD_VARIABLE);
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().remove(PASSWORD_VARIABLE);
        Process process = builder.start();
        try {
            process.getOutputStream().close();
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "exits at once: " + command);
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(2, process.exitValue(), err);
            List<String> lines = err.lines().toList();
            assertEquals(1, lines.size(), "one line: " + err);
            assertTrue(lines.get(0).contains("environment variable " + PASSWORD_VARIABLE) && lines.get(0).contains("not set"),
                    lines.get(0));
            assertEquals("", out, "nothing started");
        } finally {
            process.destroyForcibly();
        }
    }

    /**
     * 40 TLS connections open at once on {@code --reactors 2}: handed out in turn, so both
     * reactor threads do the crypto (each its share of the CPU); every echo byte-exact; the
     * TLS totals summed over the reactors are exact: 40 handshakes completed, none failed,
     * 40 sessions open, then 40 closed by close_notify ({@code eof}).
     */
    @Test
    void tlsOnTwoReactorsIsByteExactWithExactTotals() throws Exception {
        int peers = 40;
        int bytesEach = 1 << 20;
        try (ServerProcess server = ServerProcess.builder()
                .args("--tls", "--reactors", "2", "--metrics-port", "0", "--max-connections", "100").start()) {
            Map<String, Long> cpuBefore = reactorCpuTicks(server.pid());
            assertEquals(2, cpuBefore.size(), "reactor threads: " + cpuBefore);
            List<SSLSocket> sockets = new ArrayList<>();
            try {
                for (int i = 0; i < peers; i++) {
                    SSLSocket socket = tlsSocket(server.address());
                    socket.startHandshake();
                    sockets.add(socket);
                }
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                        assertEquals(peers, metric(server, "echo_server_tls_handshakes_completed_total")));
                assertEquals(peers, metric(server, "echo_server_tls_sessions"));
                List<CompletableFuture<byte[]>> echoes = new ArrayList<>();
                List<byte[]> sent = new ArrayList<>();
                for (int i = 0; i < peers; i++) {
                    byte[] bytes = Peers.randomBytes(bytesEach, 100 + i);
                    sent.add(bytes);
                    SSLSocket socket = sockets.get(i);
                    echoes.add(onOwnThread(() -> echo(socket, bytes)));
                }
                for (int i = 0; i < peers; i++) {
                    assertArrayEquals(sent.get(i), echoes.get(i).get(120, TimeUnit.SECONDS), "peer " + i);
                }
            } finally {
                for (SSLSocket socket : sockets) {
                    socket.close(); // close_notify, then FIN
                }
            }
            Map<String, Long> cpuAfter = reactorCpuTicks(server.pid());
            long total = 0;
            for (String thread : cpuBefore.keySet()) {
                total += cpuAfter.get(thread) - cpuBefore.get(thread);
            }
            for (String thread : cpuBefore.keySet()) {
                long used = cpuAfter.get(thread) - cpuBefore.get(thread);
                assertTrue(used * 5 >= total, "reactor thread " + thread + " did " + used + " of " + total
                        + " ticks: the connections were not spread over both reactors");
            }
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertEquals(peers, metric(server, "echo_server_connections_closed_total{cause=\"eof\"}")));
            assertEquals(peers, metric(server, "echo_server_tls_handshakes_completed_total"));
            assertEquals(0, metric(server, "echo_server_tls_handshakes_failed_total"));
            assertEquals(0, metric(server, "echo_server_tls_sessions"));
            server.signal("TERM");
            assertEquals(0, server.awaitExit(Duration.ofSeconds(30)), "exit code; stderr: " + server.stderr());
        }
    }

    /**
     * {@code --tls-listen}: a TLS listener beside the plain one ({@code --port}), both on the
     * start line (plain first, then the fingerprint), each speaking its own protocol.
     */
    @Test
    void aTlsListenerBesideThePlainOne() throws Exception {
        try (ServerProcess server = ServerProcess.builder().args("--tls-listen", "127.0.0.1:0").start()) {
            List<InetSocketAddress> addresses = server.addresses();
            assertEquals(2, addresses.size(), "start line: " + server.stdout());
            byte[] bytes = Peers.randomBytes(64 << 10, 5);
            try (java.nio.channels.SocketChannel plain = Peers.connect(addresses.get(0))) {
                Peers.writeFully(plain, bytes);
                assertArrayEquals(bytes, Peers.readExactly(plain, bytes.length), "plain echo on the plain listener");
            }
            try (SSLSocket socket = tlsSocket(addresses.get(1))) {
                socket.startHandshake();
                assertArrayEquals(bytes, echo(socket, bytes), "TLS echo on the TLS listener");
            }
            String tlsLine = "INFO TLS on 127.0.0.1:" + addresses.get(1).getPort() + ", plain TCP on 127.0.0.1:" + addresses.get(0).getPort();
            assertTrue(server.stderr().stream().anyMatch(l -> l.endsWith(tlsLine)), "stderr: " + server.stderr());
            server.signal("TERM");
            assertEquals(0, server.awaitExit(Duration.ofSeconds(30)), "exit code; stderr: " + server.stderr());
        }
    }

    /** A self-signed certificate in a PKCS#12 key store under {@code password}, made by openssl. */
    private static Path keyStore(Path dir, String password) throws Exception {
        Files.writeString(dir.resolve("password"), password + "\n");
        run(dir, "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "key.pem", "-out", "cert.pem", "-days", "2", "-subj", "/CN=localhost");
        run(dir, "openssl", "pkcs12", "-export", "-in", "cert.pem", "-inkey", "key.pem", "-out", "server.p12",
                "-passout", "file:password");
        return dir.resolve("server.p12");
    }

    private static void run(Path dir, String... command) throws Exception {
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("openssl.log").toFile()).start();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "openssl timed out");
        assertEquals(0, process.exitValue(), Files.readString(dir.resolve("openssl.log")));
    }

    /** Writes {@code bytes} on another thread and reads as many back. */
    private static byte[] echo(SSLSocket socket, byte[] bytes) throws Exception {
        OutputStream out = socket.getOutputStream();
        CompletableFuture<byte[]> written = onOwnThread(() -> {
            out.write(bytes);
            out.flush();
            return bytes;
        });
        InputStream in = socket.getInputStream();
        byte[] echoed = in.readNBytes(bytes.length); // bounded by the socket's read timeout
        written.get(60, TimeUnit.SECONDS);
        return echoed;
    }

    private interface IoCall<T> {
        T call() throws Exception;
    }

    private static <T> CompletableFuture<T> onOwnThread(IoCall<T> call) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                result.complete(call.call());
            } catch (Exception e) {
                result.completeExceptionally(e);
            }
        }, "tls-peer-io");
        thread.setDaemon(true);
        thread.start();
        return result;
    }

    private static SSLSocket tlsSocket(InetSocketAddress address) throws Exception {
        SSLContext context = TrustAnyCertificate.context("TLS"); // the server's certificate is self-signed
        Socket raw = new Socket();
        raw.connect(address, 10_000);
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(raw, "localhost", address.getPort(), true);
        socket.setSoTimeout(60_000);
        return socket;
    }

    /** utime + stime of each reactor thread, by thread id (fields 14 and 15 of /proc/PID/task/TID/stat). */
    private static Map<String, Long> reactorCpuTicks(long pid) throws IOException {
        Map<String, Long> ticks = new HashMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks.toList()) {
                try {
                    if (Files.readString(task.resolve("comm")).trim().equals("nioecho-reactor")) {
                        String stat = Files.readString(task.resolve("stat"));
                        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                        ticks.put(task.getFileName().toString(), Long.parseLong(fields[11]) + Long.parseLong(fields[12]));
                    }
                } catch (NoSuchFileException e) {
                    // a thread that ended while listing: not a reactor
                }
            }
        }
        return ticks;
    }

    /** The sum of every series of {@code name} (a name, or a name with its labels) in a scrape. */
    private static long metric(ServerProcess server, String name) throws IOException {
        URLConnection connection = URI.create(server.metricsUrl()).toURL().openConnection();
        connection.setConnectTimeout(10_000);
        connection.setReadTimeout(10_000);
        String text;
        try (InputStream in = connection.getInputStream()) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        double sum = 0;
        boolean found = false;
        for (String line : text.split("\n")) {
            if (line.startsWith(name + " ") || (!name.contains("{") && line.startsWith(name + "{"))) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                found = true;
            }
        }
        if (!found && !name.startsWith("echo_server_tls_handshakes_failed")) {
            throw new AssertionError("no metric " + name + " in the scrape: " + Arrays.toString(text.split("\n", 5)));
        }
        return (long) sum;
    }
}
