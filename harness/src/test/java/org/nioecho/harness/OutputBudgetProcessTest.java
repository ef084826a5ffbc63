package org.nioecho.harness;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nioecho.server.Peers;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 8, defect 1: a hundred peers that send and never read, against a server with 4 MiB
 * of direct memory. Before the output budget each owing connection took a 64 KiB direct
 * buffer, the allocation failed with "Cannot reserve ... bytes of direct buffer memory" and
 * the reactor died with every connection. Now the server stays up, its output memory stays
 * within {@code --max-output-memory}, and everything recovers when the hostile peers go.
 */
class OutputBudgetProcessTest {
    /** 100 such peers killed the unfixed server (100 x 64 KiB > 4 MiB of direct memory); three times as many here. */
    private static final int HOSTILE_PEERS = 300;
    /**
     * More than the kernel buffers of one loopback connection hold (about 3 MiB with the
     * peer's receive buffer at its minimum): the server must keep the rest itself.
     */
    private static final int SENT_PER_PEER = 6 << 20;
    private static final long BUDGET_BYTES = 1 << 20;
    /** Set to 0 (only --write-timeout, here off) and the well-behaved peer waits until the hostile ones leave. */
    private static final String PRESSURE_TIMEOUT = System.getProperty("test.pressureWriteTimeout", "1s");

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void nonReadingPeersStayWithinTheBudgetAndTheServerRecovers() throws Exception {
        try (ServerProcess server = ServerProcess.builder()
                .jvmOptions("-XX:MaxDirectMemorySize=4m")
                .args("--metrics-port", "0", "--max-output-memory", "1MiB", "--write-timeout", "0", "--pressure-write-timeout", PRESSURE_TIMEOUT).start()) {
            List<SocketChannel> hostile = new ArrayList<>();
            SocketChannel wellBehaved = null;
            try {
                byte[] hostileBytes = Peers.randomBytes(SENT_PER_PEER, 81);
                List<ByteBuffer> toSend = new ArrayList<>();
                for (int i = 0; i < HOSTILE_PEERS; i++) {
                    SocketChannel channel = SocketChannel.open();
                    channel.setOption(StandardSocketOptions.SO_RCVBUF, 4096);
                    channel.setOption(StandardSocketOptions.SO_SNDBUF, 64 * 1024);
                    channel.connect(server.address());
                    channel.configureBlocking(false);
                    hostile.add(channel);
                    toSend.add(ByteBuffer.wrap(hostileBytes));
                }
                long[] peakMemory = {0};
                // Send until the budget is used up and connections wait for it.
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100))
                        .alias("budget used up, connections waiting for it")
                        .until(() -> {
                    for (int i = 0; i < HOSTILE_PEERS; i++) {
                        sendWhatItTakes(hostile.get(i), toSend.get(i));
                    }
                    long memory = metric(server, "echo_server_output_memory");
                    peakMemory[0] = Math.max(peakMemory[0], memory);
                    assertTrue(memory <= BUDGET_BYTES, "output memory " + memory + " over the budget");
                    return memory > BUDGET_BYTES / 2 && metric(server, "echo_server_output_budget_pauses_total") > 0;
                });
                assertTrue(server.isAlive(), "server died: " + server.stderr());

                // A well-behaved peer is served while the hostile peers are still connected and
                // still sending: peers that hold output memory and take nothing for
                // --pressure-write-timeout are closed (write.timeout), and the memory they free
                // goes to the connections waiting for it, first come first served.
                byte[] payload = Peers.randomBytes(1 << 20, 82);
                SocketChannel peer = Peers.connect(server.address());
                wellBehaved = peer;
                CompletableFuture<byte[]> echoed = CompletableFuture.supplyAsync(() -> echo(peer, payload));
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100))
                        .alias("the well-behaved peer's echo, with the hostile peers still there")
                        .until(() -> {
                    for (int i = 0; i < HOSTILE_PEERS; i++) {
                        sendWhatItTakes(hostile.get(i), toSend.get(i));
                    }
                    long memory = metric(server, "echo_server_output_memory");
                    assertTrue(memory <= BUDGET_BYTES, "output memory " + memory + " over the budget");
                    return echoed.isDone();
                });
                assertArrayEquals(payload, echoed.get(), "well-behaved peer's echo");
                assertTrue(server.isAlive(), "server died: " + server.stderr());
                assertTrue(metric(server, "echo_server_connections_closed_total{cause=\"write.timeout\"}") > 0,
                        "stalled holders were closed under pressure");
                // The test closed none of the hostile peers: every one that is gone was closed by the
                // server for holding memory it could not send (how many depends on the queue's order).

                // The hostile peers go: everything they held is freed.
                for (SocketChannel channel : hostile) {
                    if (channel.isOpen()) {
                        channel.setOption(StandardSocketOptions.SO_LINGER, 0);
                        channel.close();
                    }
                }
                wellBehaved.close();
                await().atMost(Duration.ofSeconds(30)).until(() ->
                        metric(server, "echo_server_connections_active") == 0
                                && metric(server, "echo_server_output_memory") == 0);
                assertEquals(0, metric(server, "echo_server_connections_closed_total{cause=\"error\"}"),
                        "no connection lost to an allocation failure: " + server.stderr());

                // New peers are served as before.
                byte[] after = Peers.randomBytes(4 << 20, 83);
                assertArrayEquals(after, Peers.echo(server.address(), after));
                assertTrue(server.isAlive());
                assertTrue(server.stderr().stream().noneMatch(l -> l.contains("OutOfMemoryError")), server.stderr().toString());
            } finally {
                for (SocketChannel channel : hostile) {
                    channel.close();
                }
                if (wellBehaved != null) {
                    wellBehaved.close();
                }
            }
        }
    }

    /** Writes what the socket takes now; a peer the server closed (write.timeout) just stops sending. */
    private static void sendWhatItTakes(SocketChannel channel, ByteBuffer bytes) {
        if (!channel.isOpen()) {
            return;
        }
        try {
            channel.write(bytes);
        } catch (IOException closedByTheServer) {
            try {
                channel.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static byte[] echo(SocketChannel channel, byte[] payload) {
        try {
            return Peers.echo(channel, payload);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** One sample from the server's {@code /metrics}: a name, with its tags if it has any. */
    static long metric(ServerProcess server, String name) throws IOException {
        try (InputStream in = URI.create(server.metricsUrl()).toURL().openStream()) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.startsWith(name + " ")) {
                    return (long) Double.parseDouble(line.substring(name.length() + 1));
                }
            }
        }
        throw new AssertionError("no metric " + name);
    }
}
