package org.nioecho.harness;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nioecho.server.Peers;

import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLConnection;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The server run by a real super-server, {@code systemd-socket-activate --inetd}: with
 * {@code --inherited} it serves the listening socket it is handed (systemd {@code Accept=no})
 * or, with {@code --accept}, the one connection (systemd {@code Accept=yes}, inetd {@code nowait}).
 * Its standard output is that socket: only the echo may arrive there.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SocketActivationProcessTest {
    private static final String ACTIVATE = "systemd-socket-activate";
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Pattern SPAWNED = Pattern.compile("^Spawned .* as PID (\\d+)\\.$");

    @BeforeAll
    static void superServerIsInstalled() {
        assumeTrue(onPath(ACTIVATE), ACTIVATE + " is not installed (package systemd; .ci/run installs it)");
    }

    /** Accept=no: the server gets the listener, echoes, serves metrics, and SIGTERM drains it: EOF to the client, summary, exit 0. */
    @Test
    void inheritedListenerEchoesThenSigtermDrains() throws Exception {
        try (Activated activated = activate(List.of(), "--inherited", "--log-level", "debug", "--admin-port", "0")) {
            ServerProcess server = activated.process;
            try (SocketChannel client = Peers.connect(activated.address)) { // the first connection starts the server
                byte[] payload = Peers.randomBytes(64 << 10, 7);
                Peers.writeFully(client, payload);
                assertArrayEquals(payload, Peers.readExactly(client, payload.length));
                String startLine = "nioecho server listening on 127.0.0.1:" + activated.address.getPort();
                await().atMost(WAIT).until(() -> server.stderr().contains(startLine)); // then its signal handler is in
                await().atMost(WAIT).until(() -> metricsUrl(server) != null);
                assertTrue(scrape(metricsUrl(server)).contains("echo_server_connections_accepted_total 1.0"),
                        "metrics as usual");
                server.signal("TERM");
                assertEquals(0, Peers.readToEof(client).length, "the drain ends with EOF and nothing more");
            }
            assertEquals(0, server.awaitExit(WAIT), server.lastOutput());
            assertTrue(server.stderr().contains("nioecho server stopped: 1 connection, 65536 bytes in, 65536 bytes out,"
                    + " closed: shutdown=1"), server.lastOutput());
            assertEquals(List.of(), server.stdout(), "standard output is the listening socket: nothing goes to the launcher's");
        }
    }

    /** Accept=yes: one connection, echoed exactly (its stdout is the client), EOF, the server exits 0. */
    @Test
    void inheritedConnectionEchoesThenExitsZero() throws Exception {
        try (Activated activated = activate(List.of("--accept"), "--inherited", "--log-level", "debug")) {
            byte[] payload = Peers.randomBytes(256 << 10, 11);
            assertArrayEquals(payload, Peers.echo(activated.address, payload), "the client got exactly its bytes back");
            ServerProcess superServer = activated.process;
            await().atMost(WAIT).until(() -> superServer.stderr().stream().anyMatch(l -> l.matches("Child \\d+ died with code 0")));
            List<String> stderr = superServer.stderr();
            assertTrue(stderr.stream().anyMatch(l -> l.startsWith("nioecho server serving one inherited connection from 127.0.0.1:")),
                    superServer.lastOutput());
            assertTrue(stderr.stream().anyMatch(l -> l.endsWith("closed: eof")), "the debug log went to stderr: " + stderr);
            assertTrue(stderr.contains("nioecho server stopped: 1 connection, 262144 bytes in, 262144 bytes out, closed: eof=1"),
                    superServer.lastOutput());
        }
    }

    /** Accept=yes and SIGTERM while the connection is open: the same drain (EOF to the client), exit 0, cause shutdown. */
    @Test
    void inheritedConnectionDrainsOnSigterm() throws Exception {
        try (Activated activated = activate(List.of("--accept"), "--inherited");
             SocketChannel client = Peers.connect(activated.address)) {
            ServerProcess superServer = activated.process;
            byte[] payload = Peers.randomBytes(1000, 13);
            Peers.writeFully(client, payload);
            assertArrayEquals(payload, Peers.readExactly(client, payload.length));
            await().atMost(WAIT).until(() -> superServer.stderr().stream()
                    .anyMatch(l -> l.startsWith("nioecho server serving one inherited connection from ")));
            Matcher spawned = superServer.stderr().stream().map(SPAWNED::matcher).filter(Matcher::find).findFirst()
                    .orElseThrow(() -> new AssertionError("no 'Spawned ... as PID' line: " + superServer.lastOutput()));
            Process kill = new ProcessBuilder("kill", "-s", "TERM", spawned.group(1)).inheritIO().start();
            assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0, "kill -s TERM " + spawned.group(1));
            assertEquals(0, Peers.readToEof(client).length, "the drain ends with EOF and nothing more");
            client.close();
            await().atMost(WAIT).until(() -> superServer.stderr().contains("Child " + spawned.group(1) + " died with code 0"));
            assertTrue(superServer.stderr().contains("nioecho server stopped: 1 connection, 1000 bytes in, 1000 bytes out,"
                    + " closed: shutdown=1"), superServer.lastOutput());
        }
    }

    /**
     * Standard error is the client's socket too (inetd's way): logs and lines are dropped, the
     * client gets only the echo. On JDK 24+ this also shows that the JVM prints no warning of
     * its own there (the reactor's queue is JCTools' atomic variant, which needs no
     * {@code sun.misc.Unsafe}).
     */
    @Test
    void withStandardErrorOnTheSocketTooTheClientGetsOnlyTheEcho() throws Exception {
        try (Activated activated = activate(List.of("--accept"), "/bin/sh", "-c",
                "exec \"$0\" -jar \"$1\" --inherited --log-level debug 2>&1", java(), ServerProcess.defaultJar().toString())) {
            byte[] payload = "one line, then EOF\n".getBytes(StandardCharsets.US_ASCII);
            assertArrayEquals(payload, Peers.echo(activated.address, payload));
            await().atMost(WAIT).until(() -> activated.process.stderr().stream().anyMatch(l -> l.matches("Child \\d+ died with code 0")));
        }
    }

    /** No socket on standard input: one line, exit 2. */
    @Test
    void withoutASocketOnStandardInputOneLineAndExitTwo() throws Exception {
        Process process = new ProcessBuilder(java(), "-jar", ServerProcess.defaultJar().toString(), "--inherited")
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        try {
            assertTrue(process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "still running");
            assertEquals(2, process.exitValue());
            List<String> stderr = withoutJvmWarnings(new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
            assertEquals(List.of("echo-server: --inherited: standard input is not a socket; run under a super-server"
                    + " (systemd socket activation, xinetd, inetd, systemd-socket-activate --inetd)"), stderr);
            assertEquals("", new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        } finally {
            process.destroyForcibly();
        }
    }

    /**
     * {@code -d}: a UDP socket on standard input (systemd {@code ListenDatagram=}, xinetd
     * {@code wait=yes} dgram) is served with the UDP echo: the datagram that woke the server and
     * a 65,507-byte one come back exactly; SIGTERM ends it with exit 0. IPv6 loopback: on JDK 24+
     * an inherited IPv4 datagram socket cannot send (the JDK takes it for IPv6; docs/udp.md).
     */
    @Test
    void anInheritedUdpSocketIsServedWithUdpEcho() throws Exception {
        for (int attempt = 1; ; attempt++) {
            int port = Listening.freeLoopbackPort();
            Path stderrFile = Files.createTempFile("activate-udp", ".err");
            Process process = new ProcessBuilder(ACTIVATE, "-d", "-l", "[::1]:" + port, "--inetd",
                    java(), "-jar", ServerProcess.defaultJar().toString(), "--inherited")
                    .redirectError(stderrFile.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try (DatagramSocket client = new DatagramSocket(0, InetAddress.getByName("::1"))) {
                client.setSoTimeout(200);
                InetSocketAddress server = new InetSocketAddress(InetAddress.getByName("::1"), port);
                byte[] ping = {1, 2, 3};
                byte[] reply = new byte[65_507];
                // A datagram sent before the super-server has bound is lost: send until one comes back.
                await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> {
                    if (!process.isAlive()) {
                        return true;
                    }
                    client.send(new DatagramPacket(ping, ping.length, server));
                    return receives(client, reply, ping);
                });
                String text = Files.readString(stderrFile);
                if (!process.isAlive() && text.contains("Address already in use") && attempt < 5) {
                    continue; // the port had another user: systemd-socket-activate sets no SO_REUSEADDR
                }
                assertTrue(process.isAlive(), text);
                byte[] large = Peers.randomBytes(65_507, 11);
                client.setSoTimeout((int) WAIT.toMillis());
                client.send(new DatagramPacket(large, large.length, server));
                DatagramPacket back = new DatagramPacket(reply, reply.length);
                do {
                    client.receive(back); // late answers to the waking pings may come first
                } while (back.getLength() == ping.length);
                assertArrayEquals(large, java.util.Arrays.copyOf(reply, back.getLength()));
                // The UDP echo answers before the signal handler is in; the start line comes after it.
                await().atMost(WAIT).until(() -> Files.readString(stderrFile).contains("nioecho server listening on [::1]:" + port));
                process.destroy(); // SIGTERM: systemd-socket-activate has exec'd the server
                assertTrue(process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "server did not stop on SIGTERM");
                assertEquals(0, process.exitValue(), Files.readString(stderrFile));
                assertTrue(Files.readString(stderrFile).contains("UDP echo on [::1]:" + port), Files.readString(stderrFile));
                return;
            } finally {
                process.destroyForcibly();
                Files.deleteIfExists(stderrFile);
            }
        }
    }

    private static boolean receives(DatagramSocket client, byte[] buffer, byte[] expected) throws IOException {
        DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
        try {
            client.receive(packet);
        } catch (java.net.SocketTimeoutException e) {
            return false;
        }
        assertArrayEquals(expected, java.util.Arrays.copyOf(buffer, packet.getLength()));
        return true;
    }

    /** A super-server listening on a free loopback TCP port, running the server jar (or {@code command}) per its options. */
    private static Activated activate(List<String> options, String... serverArgs) throws Exception {
        List<String> server = new ArrayList<>();
        if (!serverArgs[0].startsWith("/")) {
            server.addAll(List.of(java(), "-jar", ServerProcess.defaultJar().toString()));
        }
        server.addAll(List.of(serverArgs));
        for (int attempt = 1; ; attempt++) {
            int port = Listening.freeLoopbackPort();
            List<String> command = new ArrayList<>(List.of(ACTIVATE, "-l", "127.0.0.1:" + port, "--inetd"));
            command.addAll(options);
            command.addAll(server);
            try {
                return new Activated(ServerProcess.command(command).readyWhenListening(port).start(),
                        new InetSocketAddress("127.0.0.1", port));
            } catch (IOException e) {
                // The port had a TIME_WAIT or another user: systemd-socket-activate sets no SO_REUSEADDR. Another port.
                if (!e.getMessage().contains("Address already in use") || attempt == 5) {
                    throw e;
                }
            }
        }
    }

    /** A running super-server and the address it listens on. */
    private record Activated(ServerProcess process, InetSocketAddress address) implements AutoCloseable {
        @Override
        public void close() {
            process.close();
        }
    }

    /** The metrics URL the server printed (on standard error: its standard output is the socket), or null. */
    private static String metricsUrl(ServerProcess server) {
        return server.stderr().stream().filter(l -> l.startsWith("nioecho metrics on http://"))
                .map(l -> l.substring("nioecho metrics on ".length())).findFirst().orElse(null);
    }

    /** One GET, bounded by connect and read timeouts. */
    private static String scrape(String url) throws IOException {
        URLConnection connection = URI.create(url).toURL().openConnection();
        connection.setConnectTimeout(10_000);
        connection.setReadTimeout(10_000);
        try (InputStream in = connection.getInputStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    private static List<String> withoutJvmWarnings(String text) {
        return text.lines().filter(l -> !l.startsWith("WARNING:")).toList();
    }

    private static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }
}
