package org.nioecho.harness;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nioecho.server.DocumentedMetrics;
import org.nioecho.server.Peers;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.URLConnection;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The server jar as a real process: signals, exit codes, descriptor exhaustion. */
@Timeout(value = 180, unit = java.util.concurrent.TimeUnit.SECONDS) // several 30 s waits per test; each is bounded
class ServerProcessTest {
    private static final Pattern SUMMARY = Pattern.compile("(\\d+) bytes in, (\\d+) bytes out, closed: (.*)$");

    /** SIGTERM: stop reading, send every owed byte, then FIN (never RST), summary, exit 0. */
    @Test
    void sigtermDeliversEveryOwedByteThenEof() throws Exception {
        int peers = 4;
        try (ServerProcess server = ServerProcess.builder()
                .args("--metrics-port", "0", "--drain-timeout", "20s").start()) {
            List<SocketChannel> channels = new ArrayList<>();
            List<byte[]> streams = new ArrayList<>();
            try {
                for (int i = 0; i < peers; i++) {
                    SocketChannel channel = Peers.bounded(SocketChannel.open(server.address()));
                    channel.configureBlocking(false);
                    channels.add(channel);
                    byte[] stream = Peers.randomBytes(32 << 20, 100 + i);
                    streams.add(stream);
                    ByteBuffer toSend = ByteBuffer.wrap(stream);
                    int pausedBefore = i;
                    // Send without reading until the server stops reading this peer: it now owes bytes.
                    await().atMost(Duration.ofSeconds(30)).until(() -> {
                        channel.write(toSend);
                        return metric(server, "echo_server_connections_paused") > pausedBefore;
                    });
                }
                server.signal("TERM");
                long received = 0;
                for (int i = 0; i < peers; i++) {
                    SocketChannel channel = channels.get(i);
                    channel.configureBlocking(true);
                    byte[] echoed = Peers.readToEof(channel); // an RST would throw "Connection reset"
                    channel.close(); // as a client does on EOF; the server lingers until then
                    assertTrue(echoed.length > 0, "peer " + i + " got nothing back");
                    assertArrayEquals(Arrays.copyOf(streams.get(i), echoed.length), echoed,
                            "peer " + i + " got bytes that are not a prefix of what it sent");
                    received += echoed.length;
                }
                assertEquals(0, server.awaitExit(Duration.ofSeconds(30)), "exit code; stderr: " + server.stderr());
                String summary = server.stdout().stream().filter(l -> l.startsWith("nioecho server stopped:"))
                        .findFirst().orElseThrow(() -> new AssertionError("no summary in " + server.stdout()));
                Matcher m = SUMMARY.matcher(summary);
                assertTrue(m.find(), summary);
                assertEquals(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), "every byte read was echoed: " + summary);
                assertEquals(received, Long.parseLong(m.group(2)), "the peers received what the server sent: " + summary);
                assertEquals("shutdown=" + peers, m.group(3));
                assertTrue(server.stderr().stream().noneMatch(l -> l.contains("Exception")), server.stderr().toString());
            } finally {
                for (SocketChannel channel : channels) {
                    channel.close();
                }
            }
        }
    }

    /** SIGINT (Ctrl-C) is a graceful shutdown too: an idle peer reads EOF, the server exits 0. */
    @Test
    void sigintShutsDownGracefully() throws Exception {
        try (ServerProcess server = ServerProcess.builder().start();
             Socket peer = new Socket(server.address().getAddress(), server.port())) {
            peer.setSoTimeout(30_000);
            peer.getOutputStream().write(new byte[] {1, 2, 3});
            assertEquals(3, peer.getInputStream().readNBytes(3).length);
            server.signal("INT");
            assertEquals(-1, peer.getInputStream().read(), "EOF after the server's FIN");
            peer.close();
            assertEquals(0, server.awaitExit(Duration.ofSeconds(30)), "exit code; stderr: " + server.stderr());
            assertTrue(server.stdout().stream().anyMatch(l -> l.startsWith("nioecho server stopped: 1 connection,")
                    && l.endsWith("closed: shutdown=1")), server.stdout().toString());
        }
    }

    /**
     * The drain timeout bounds a shutdown: a peer that never reads (so the server always owes
     * it bytes) and never closes is closed with cause shutdown once the timeout has passed,
     * and the server still exits 0 with its summary.
     */
    @Test
    void drainTimeoutClosesAPeerThatNeverReadsNorClosesAndExits0() throws Exception {
        Duration drainTimeout = Duration.ofMillis(1500);
        try (ServerProcess server = ServerProcess.builder()
                .args("--metrics-port", "0", "--drain-timeout", drainTimeout.toMillis() + "ms").start();
             SocketChannel peer = Peers.bounded(SocketChannel.open(server.address()))) {
            peer.configureBlocking(false);
            ByteBuffer toSend = ByteBuffer.wrap(Peers.randomBytes(32 << 20, 300));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                peer.write(toSend);
                return metric(server, "echo_server_connections_paused") == 1;
            });
            long signalledNanos = System.nanoTime();
            server.signal("TERM");
            assertEquals(0, server.awaitExit(Duration.ofSeconds(30)), "exit code; stderr ends: " + tail(server.stderr()));
            Duration took = Duration.ofNanos(System.nanoTime() - signalledNanos);
            assertTrue(took.compareTo(drainTimeout) >= 0, "exited after " + took.toMillis()
                    + " ms, before the drain timeout, though the peer read nothing");
            assertTrue(server.stderr().stream().anyMatch(l -> l.contains("drain timeout: closing 1 connection that still owes bytes")),
                    tail(server.stderr()).toString());
            assertTrue(server.stdout().stream().anyMatch(l -> l.startsWith("nioecho server stopped: 1 connection,")
                    && l.endsWith("closed: shutdown=1")), server.stdout().toString());
            assertTrue(server.stderr().stream().noneMatch(l -> l.contains("Exception")), server.stderr().toString());
        }
    }

    /**
     * One scrape holds every {@code echo_server_} series that docs/metrics.md documents, with
     * its tags, {@code _total} on counters and its type; and nothing undocumented.
     */
    @Test
    void oneScrapeHasEveryDocumentedSeriesWithItsTagsAndTotalSuffix() throws Exception {
        Map<String, String> documented = DocumentedMetrics.fromReadme(DocumentedMetrics.readme());
        try (ServerProcess server = ServerProcess.builder().args("--metrics-port", "0").start()) {
            byte[] payload = Peers.randomBytes(1000, 301);
            assertArrayEquals(payload, Peers.echo(server.address(), payload));
            String text = scrape(server);
            Map<String, String> types = new java.util.TreeMap<>();
            Map<String, String> series = new java.util.TreeMap<>();
            for (String line : text.split("\n")) {
                if (line.startsWith("# TYPE ")) {
                    String[] f = line.split(" ");
                    types.put(f[2], f[3]);
                } else if (line.startsWith("echo_server_")) { // the JVM's and the process's: MetricsScrapeTest
                    String name = line.substring(0, line.lastIndexOf(' '));
                    Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)); // a number, or it throws
                    series.put(name, types.get(name.contains("{") ? name.substring(0, name.indexOf('{')) : name));
                }
            }
            for (Map.Entry<String, String> expected : documented.entrySet()) {
                assertTrue(series.containsKey(expected.getKey()), "no series " + expected.getKey() + " in\n" + text);
                assertEquals(expected.getValue(), series.get(expected.getKey()), "type of " + expected.getKey());
            }
            assertEquals(documented.keySet(), series.keySet(), "the scrape has undocumented series");
            assertEquals(1000, metric(server, "echo_server_bytes_received_total"));
            assertEquals(1000, metric(server, "echo_server_bytes_sent_total"));
        }
    }

    /** EMFILE: accepting pauses (no spin, one log line), the listening socket stays, serving resumes. */
    @Test
    void runningOutOfDescriptorsPausesAcceptingWithoutSpinningAndRecovers() throws Exception {
        int clients = 50;
        try (ServerProcess server = ServerProcess.builder()
                .prefix("prlimit", "--nofile=40:40")
                .args("--accept-backoff", "200ms", "--stdin-control").start()) {
            List<Socket> sockets = new ArrayList<>();
            try {
                for (int i = 0; i < clients; i++) {
                    Socket socket = new Socket();
                    socket.connect(server.address(), 10_000);
                    socket.setSoTimeout(30_000);
                    socket.getOutputStream().write(i);
                    sockets.add(socket);
                }
                await().atMost(Duration.ofSeconds(20))
                        .until(() -> server.stderr().stream().anyMatch(l -> l.contains("accept paused")));
                long accepted = accepted(server);
                assertTrue(accepted > 0 && accepted < clients, "accepted " + accepted);
                String stats = server.control("stats");
                Matcher emfile = Pattern.compile("accept errors: .*too\\.many\\.open\\.files=(\\d+)").matcher(stats);
                assertTrue(emfile.find() && Long.parseLong(emfile.group(1)) >= 1,
                        "EMFILE counted as accept error too.many.open.files: " + stats);

                // Paused, not spinning: the reactor thread stays blocked between its retries.
                Duration busyBefore = server.busyTime("nioecho-reactor");
                await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4))
                        .until(() -> server.busyTime("nioecho-reactor").minus(busyBefore).toMillis() < 500);

                // Free the descriptors of the accepted peers: the others are accepted and echoed.
                for (int i = 0; i < accepted; i++) {
                    sockets.get(i).close();
                }
                for (int i = (int) accepted; i < clients; i++) {
                    InputStream in = sockets.get(i).getInputStream();
                    assertEquals(i, in.read(), "echo for waiting client " + i);
                }
                assertTrue(server.isAlive());
                AcceptPauseEpisodes.assertOneLinePerEpisode(server);
            } finally {
                for (Socket socket : sockets) {
                    socket.close();
                }
            }
        }
    }

    private static List<String> tail(List<String> lines) {
        return lines.subList(Math.max(0, lines.size() - 5), lines.size());
    }

    private static long accepted(ServerProcess server) throws Exception {
        String stats = server.control("stats");
        return Long.parseLong(stats.substring("stats ".length(), stats.indexOf(" connections")));
    }

    private static long metric(ServerProcess server, String name) throws IOException {
        for (String line : scrape(server).split("\n")) {
            if (line.startsWith(name + " ")) {
                return (long) Double.parseDouble(line.substring(name.length() + 1));
            }
        }
        throw new AssertionError("no metric " + name);
    }

    /** One GET of the metrics endpoint, bounded by connect and read timeouts. */
    private static String scrape(ServerProcess server) throws IOException {
        URLConnection connection = URI.create(server.metricsUrl()).toURL().openConnection();
        connection.setConnectTimeout(10_000);
        connection.setReadTimeout(10_000);
        try (InputStream in = connection.getInputStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /**
     * openSockets counts the server's sockets exactly, one per accepted connection, and none of
     * its other descriptors (the jar, the runtime image, the standard streams' pipes).
     */
    @Test
    void openSocketsCountsOneSocketPerConnectionAndNoOtherDescriptor() throws Exception {
        try (ServerProcess server = ServerProcess.builder().start()) {
            int baseline = server.openSockets();
            assertTrue(baseline >= 1 && baseline < server.openDescriptors(),
                    baseline + " sockets of " + server.openDescriptors() + " descriptors");
            List<Socket> peers = new ArrayList<>();
            try {
                for (int i = 0; i < 5; i++) {
                    Socket peer = new Socket();
                    peers.add(peer);
                    peer.connect(server.address(), 10_000);
                }
                await().atMost(Duration.ofSeconds(10)).until(() -> server.openSockets() == baseline + 5);
            } finally {
                for (Socket peer : peers) {
                    peer.close();
                }
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> server.openSockets() == baseline);
        }
    }

    @Test
    void portInUseIsOneLineAndExitCode1() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Result result = run("--port", Integer.toString(taken.getLocalPort()));
            assertEquals(1, result.exitCode);
            assertEquals(1, result.stderr.size(), result.stderr.toString());
            assertTrue(result.stderr.get(0).contains("127.0.0.1:" + taken.getLocalPort())
                    && result.stderr.get(0).contains("in use"), result.stderr.get(0));
        }
    }

    @Test
    void badOptionsAreOneLinePlusUsageAndExitCode2() throws Exception {
        for (String[] args : new String[][] {{"--port", "abc"}, {"--port", "70000"}, {"--idle-timeout", "soon"},
                {"--low-water", "64KiB", "--high-water", "32KiB"}, {"--frobnicate"}, {"--log-level", "loud"}}) {
            Result result = run(args);
            assertEquals(2, result.exitCode, String.join(" ", args));
            assertFalse(result.stderr.isEmpty());
            String first = result.stderr.get(0);
            assertTrue(first.contains("Invalid") || first.contains("Unknown"), first);
            assertTrue(result.stderr.stream().anyMatch(l -> l.startsWith("Usage: echo-server")), "usage follows");
            assertTrue(result.stderr.stream().noneMatch(l -> l.contains("Exception") || l.startsWith("\tat ")),
                    "no stack trace: " + result.stderr);
        }
    }

    @Test
    void helpAndVersionGoToStdoutAndExit0() throws Exception {
        Result help = run("--help");
        assertEquals(0, help.exitCode);
        assertTrue(help.stdout.stream().anyMatch(l -> l.contains("--max-connections")));
        assertTrue(help.stdout.stream().anyMatch(l -> l.contains("Exit codes")));
        Result version = run("--version");
        assertEquals(0, version.exitCode);
        assertTrue(version.stdout.get(0).startsWith("nioecho echo-server"), version.stdout.toString());
    }

    private record Result(int exitCode, List<String> stdout, List<String> stderr) {
    }

    private static Result run(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-jar", ServerProcess.defaultJar().toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.PIPE).start();
        process.getOutputStream().close();
        var stdout = java.util.concurrent.CompletableFuture.supplyAsync(() -> lines(process.getInputStream()));
        var stderr = java.util.concurrent.CompletableFuture.supplyAsync(() -> lines(process.getErrorStream()));
        if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("echo-server " + String.join(" ", args) + " did not exit");
        }
        return new Result(process.exitValue(), stdout.get(10, java.util.concurrent.TimeUnit.SECONDS),
                stderr.get(10, java.util.concurrent.TimeUnit.SECONDS));
    }

    private static List<String> lines(InputStream in) {
        try {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return text.isEmpty() ? List.of() : List.of(text.split("\n"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

}
