package org.nioecho.harness;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nioecho.server.Peers;

import java.io.IOException;
import java.io.InputStream;
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
    /** 100 such peers killed the unfixed server (100 x 64 KiB > 4 MiB of direct memory). */
    private static final int HOSTILE_PEERS = 100;
    /**
     * More than the kernel buffers of one loopback connection hold (about 3 MiB with the
     * peer's receive buffer at its minimum): the server must keep the rest itself.
     */
    private static final int SENT_PER_PEER = 6 << 20;
    private static final long BUDGET_BYTES = 1 << 20;

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void nonReadingPeersStayWithinTheBudgetAndTheServerRecovers() throws Exception {
        try (ServerProcess server = ServerProcess.builder()
                .jvmOptions("-XX:MaxDirectMemorySize=4m")
                .args("--metrics-port", "0", "--max-output-memory", "1MiB", "--write-timeout", "0").start()) {
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
                // Send until the budget is used up and the server takes nothing more from anyone.
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100))
                        .alias("budget used up and nothing more taken")
                        .until(() -> {
                    long written = 0;
                    for (int i = 0; i < HOSTILE_PEERS; i++) {
                        written += hostile.get(i).write(toSend.get(i));
                    }
                    long memory = metric(server, "echo_server_output_memory");
                    peakMemory[0] = Math.max(peakMemory[0], memory);
                    assertTrue(memory <= BUDGET_BYTES, "output memory " + memory + " over the budget");
                    return written == 0 && metric(server, "echo_server_output_budget_pauses_total") > 0;
                });
                assertTrue(server.isAlive(), "server died: " + server.stderr());
                assertEquals(HOSTILE_PEERS, metric(server, "echo_server_connections_active"));
                assertTrue(peakMemory[0] > BUDGET_BYTES / 2, "the budget was never approached: " + peakMemory[0]);

                // A well-behaved peer starts its echo while the hostile peers hold the budget: it waits
                // (global backpressure: the server cannot know before reading whether its socket
                // will take the echo), and the server stays up and within the budget.
                byte[] payload = Peers.randomBytes(1 << 20, 82);
                SocketChannel peer = Peers.connect(server.address());
                wellBehaved = peer;
                CompletableFuture<byte[]> echoed = CompletableFuture.supplyAsync(() -> echo(peer, payload));
                await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4)).until(() ->
                        server.isAlive() && metric(server, "echo_server_output_memory") <= BUDGET_BYTES);

                // The hostile peers go: the memory they held is freed, the waiting peer is served in full.
                for (SocketChannel channel : hostile) {
                    channel.setOption(StandardSocketOptions.SO_LINGER, 0);
                    channel.close();
                }
                assertArrayEquals(payload, echoed.get(60, TimeUnit.SECONDS), "well-behaved peer's echo");
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
