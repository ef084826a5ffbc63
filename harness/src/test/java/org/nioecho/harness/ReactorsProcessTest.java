package org.nioecho.harness;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nioecho.server.Peers;

import java.io.IOException;
import java.io.InputStream;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --reactors N} as a real process: N reactor threads, and SIGTERM drains every one of them. */
@Timeout(value = 180, unit = java.util.concurrent.TimeUnit.SECONDS) // each wait below is bounded
class ReactorsProcessTest {
    private static final Pattern SUMMARY = Pattern.compile("stopped: (\\d+) connections, (\\d+) bytes in, (\\d+) bytes out, closed: (.*)$");

    /**
     * 8 peers over 4 reactors (2 each, handed out in turn), each owing bytes because its peer
     * has not read: SIGTERM delivers every owed byte on every reactor, then FIN; the totals
     * are exact (bytes in = bytes out = what the peers received) and the server exits 0.
     */
    @Test
    void sigtermDrainsEveryReactorWithExactTotalsAndExits0() throws Exception {
        int peers = 8;
        try (ServerProcess server = ServerProcess.builder()
                .args("--reactors", "4", "--metrics-port", "0", "--drain-timeout", "30s").start()) {
            assertEquals(4, server.threadCount("nioecho-reactor"), "reactor threads");
            List<SocketChannel> channels = new ArrayList<>();
            List<byte[]> streams = new ArrayList<>();
            try {
                for (int i = 0; i < peers; i++) {
                    SocketChannel channel = Peers.bounded(SocketChannel.open(server.address()));
                    channel.configureBlocking(false);
                    channels.add(channel);
                    byte[] stream = Peers.randomBytes(24 << 20, 500 + i);
                    streams.add(stream);
                    ByteBuffer toSend = ByteBuffer.wrap(stream);
                    int pausedBefore = i;
                    // Send without reading until the server stops reading this peer: it now owes bytes.
                    await().atMost(Duration.ofSeconds(30)).until(() -> {
                        channel.write(toSend);
                        return metric(server, "echo_server_connections_paused") > pausedBefore;
                    });
                }
                assertEquals(peers, metric(server, "echo_server_connections_active"));
                assertEquals(64L << 20, metric(server, "echo_server_output_memory_max"), "the shares add up to the budget");
                server.signal("TERM");
                long received = 0;
                for (int i = 0; i < peers; i++) {
                    SocketChannel channel = channels.get(i);
                    channel.configureBlocking(true);
                    byte[] echoed = Peers.readToEof(channel); // an RST would throw "Connection reset"
                    channel.close();
                    assertTrue(echoed.length > 0, "peer " + i + " got nothing back");
                    assertArrayEquals(Arrays.copyOf(streams.get(i), echoed.length), echoed,
                            "peer " + i + " got bytes that are not a prefix of what it sent");
                    received += echoed.length;
                }
                assertEquals(0, server.awaitExit(Duration.ofSeconds(40)), "exit code; stderr: " + server.stderr());
                String summary = server.stdout().stream().filter(l -> l.startsWith("nioecho server stopped:"))
                        .findFirst().orElseThrow(() -> new AssertionError("no summary in " + server.stdout()));
                Matcher m = SUMMARY.matcher(summary);
                assertTrue(m.find(), summary);
                assertEquals(peers, Long.parseLong(m.group(1)), summary);
                assertEquals(received, Long.parseLong(m.group(2)), "every byte read was echoed: " + summary);
                assertEquals(received, Long.parseLong(m.group(3)), "the peers received what the server sent: " + summary);
                assertEquals("shutdown=" + peers, m.group(4));
                assertTrue(server.stderr().stream().noneMatch(l -> l.contains("Exception") || l.contains("drain timeout")),
                        server.stderr().toString());
            } finally {
                for (SocketChannel channel : channels) {
                    channel.close();
                }
            }
        }
    }

    /**
     * EMFILE with 2 reactors: the one acceptor pauses (one log line, no spinning), both
     * reactors keep serving, and accepting resumes once descriptors free up.
     */
    @Test
    void runningOutOfDescriptorsPausesTheOneAcceptorAndRecovers() throws Exception {
        int clients = 50;
        try (ServerProcess server = ServerProcess.builder()
                .prefix("prlimit", "--nofile=44:44")
                .args("--reactors", "2", "--accept-backoff", "200ms", "--stdin-control").start()) {
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
                String stats = server.control("stats");
                long accepted = Long.parseLong(stats.substring("stats ".length(), stats.indexOf(" connection")));
                assertTrue(accepted > 1 && accepted < clients, "accepted " + accepted + ": " + stats);
                assertTrue(Pattern.compile("accept errors: .*too\\.many\\.open\\.files=[1-9]").matcher(stats).find(), stats);
                // Paused, not spinning: the reactor threads stay blocked between the acceptor's retries.
                Duration busyBefore = server.busyTime("nioecho-reactor");
                await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4))
                        .until(() -> server.busyTime("nioecho-reactor").minus(busyBefore).toMillis() < 500);
                for (int i = 0; i < accepted; i++) { // served by both reactors: each echoes its peers
                    assertEquals(i, sockets.get(i).getInputStream().read(), "echo for accepted client " + i);
                    sockets.get(i).close();
                }
                for (int i = (int) accepted; i < clients; i++) {
                    assertEquals(i, sockets.get(i).getInputStream().read(), "echo for waiting client " + i);
                }
                AcceptPauseEpisodes.assertOneLinePerEpisode(server);
                for (Socket socket : sockets) {
                    socket.close();
                }
                server.signal("TERM");
                assertEquals(0, server.awaitExit(Duration.ofSeconds(30)), "exit code; stderr: " + server.stderr());
                String summary = server.stdout().stream().filter(l -> l.startsWith("nioecho server stopped:"))
                        .findFirst().orElseThrow(() -> new AssertionError("no summary in " + server.stdout()));
                assertTrue(summary.startsWith("nioecho server stopped: " + clients + " connections, " + clients + " bytes in, "
                        + clients + " bytes out"), summary);
            } finally {
                for (Socket socket : sockets) {
                    socket.close();
                }
            }
        }
    }

    /** {@code --reactors auto}: one reactor thread per available processor. */
    @Test
    void autoStartsOneReactorPerProcessor() throws Exception {
        int processors = Runtime.getRuntime().availableProcessors();
        try (ServerProcess server = ServerProcess.builder().args("--reactors", "auto").start()) {
            assertEquals(processors, server.threadCount("nioecho-reactor"), "reactor threads");
            byte[] payload = Peers.randomBytes(100_000, 7);
            assertArrayEquals(payload, Peers.echo(server.address(), payload));
            server.signal("TERM");
            assertEquals(0, server.awaitExit(Duration.ofSeconds(30)), "exit code; stderr: " + server.stderr());
        }
    }

    /**
     * The process's reactor threads, from the kernel's task list ({@code comm} holds 15
     * characters: {@code nioecho-reactor-1} is {@code nioecho-reactor} there).
     */
    private static long metric(ServerProcess server, String name) throws IOException {
        URLConnection connection = URI.create(server.metricsUrl()).toURL().openConnection();
        connection.setConnectTimeout(10_000);
        connection.setReadTimeout(10_000);
        String text;
        try (InputStream in = connection.getInputStream()) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        for (String line : text.split("\n")) {
            if (line.startsWith(name + " ")) {
                return (long) Double.parseDouble(line.substring(name.length() + 1));
            }
        }
        throw new AssertionError("no metric " + name + " in the scrape");
    }
}
