package org.nioecho.server;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.function.Supplier;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Direct memory running out when a connection needs an output buffer (its first, or a larger
 * one): only that connection is closed ({@code error}, one log line naming the size), nothing
 * stays queued or borrowed, and other peers are still served. The pool's allocator is swapped
 * for one that throws as {@code ByteBuffer.allocateDirect} does when {@code
 * -XX:MaxDirectMemorySize} is exhausted.
 */
class OutOfDirectMemoryInProcessTest {
    private static final Duration BOUND = Duration.ofSeconds(20);
    private static final byte[] STREAM = Peers.randomBytes(1 << 20, 61);
    private CapturedLog log;

    /** The expected ERROR lines are captured here, not printed with their stack traces. */
    @BeforeEach
    void captureTheLog() {
        log = new CapturedLog(Connection.class, Reactor.class);
    }

    @AfterEach
    void restoreTheLog() {
        log.close();
    }

    @Test
    @Timeout(60)
    void noMemoryForTheFirstOutputBufferClosesOnlyThatConnection() throws Exception {
        closedForWantOfMemory(size -> {
            throw new OutOfMemoryError("Direct buffer memory");
        }, 4096);
    }

    @Test
    @Timeout(60)
    void noMemoryToGrowTheOutputBufferClosesOnlyThatConnection() throws Exception {
        closedForWantOfMemory(size -> {
            if (size > 4096) {
                throw new OutOfMemoryError("Direct buffer memory");
            }
            return ByteBuffer.allocateDirect(size);
        }, 8192);
    }

    /**
     * Anything else thrown while serving one connection (here by the allocator) closes that
     * connection alone ({@code error}), and the reactor's log line names it.
     */
    @Test
    @Timeout(60)
    void anUnexpectedFailureServingOneConnectionClosesItAloneAndNamesIt() throws Exception {
        try (EchoServer server = EchoServer.start(ServerConfig.builder().port(0).idleTimeout(Duration.ZERO)
                .writeTimeout(Duration.ZERO).highWaterBytes(8192).lowWaterBytes(2048).sendBufferBytes(2048).build());
             SocketChannel peer = Peers.nonReader(server.address());
             SocketChannel other = Peers.connect(server.address())) {
            String name = "connection 127.0.0.1:" + Peers.localPort(peer);
            swapAllocator(server, size -> {
                throw new IllegalStateException("not an I/O failure");
            });
            sendUntilClosedAsError(server, peer);
            await().atMost(BOUND).until(() -> log.lines().contains("unexpected failure in " + name));
            assertEquals(1, onReactor(server, () -> new long[] {server.metrics().closedTotal()})[0], "only that connection");
            byte[] ping = Peers.randomBytes(100, 63);
            assertArrayEquals(ping, Peers.echo(other, ping), "another peer's echo");
        }
    }

    /**
     * Marks of 8 KiB, reads of 4 KiB (so the first buffer is 4 KiB and the next 8 KiB), a
     * server send buffer of 2 KiB: a peer that does not read makes the server owe after a few KiB.
     */
    private void closedForWantOfMemory(IntFunction<ByteBuffer> allocator, int failedSize) throws Exception {
        try (EchoServer server = EchoServer.start(ServerConfig.builder().port(0).idleTimeout(Duration.ZERO)
                .writeTimeout(Duration.ZERO).highWaterBytes(8192).lowWaterBytes(2048).readBufferBytes(4096)
                .sendBufferBytes(2048).build());
             SocketChannel peer = Peers.nonReader(server.address());
             SocketChannel other = Peers.connect(server.address())) {
            swapAllocator(server, allocator);
            sendUntilClosedAsError(server, peer);
            long[] after = onReactor(server, () -> new long[] {
                    server.metrics().closedTotal(), server.metrics().queuedBytes(), server.metrics().outputMemoryBytes()});
            assertEquals(1, after[0], "only that connection");
            assertEquals(0, after[1], "bytes queued after the close");
            assertEquals(0, after[2], "buffers borrowed after the close");
            assertEquals(1, log.lines().stream().filter(line -> line.contains("cannot allocate a " + failedSize + "-byte output buffer")).count(),
                    "one log line for the " + failedSize + "-byte buffer: " + log.lines());

            byte[] ping = Peers.randomBytes(100, 62);
            assertArrayEquals(ping, Peers.echo(other, ping), "another peer's echo");
        }
    }

    private static void swapAllocator(EchoServer server, IntFunction<ByteBuffer> allocator) throws InterruptedException {
        CountDownLatch swapped = new CountDownLatch(1);
        server.reactor().execute(() -> {
            server.reactor().outputBuffers().allocateWith(allocator);
            swapped.countDown();
        });
        assertTrue(swapped.await(10, TimeUnit.SECONDS), "the reactor did not run a task within 10 s");
    }

    /** Sends without reading until the server owes bytes, needs a buffer, and closes the connection as {@code error}. */
    private static void sendUntilClosedAsError(EchoServer server, SocketChannel peer) {
        ByteBuffer toSend = ByteBuffer.wrap(STREAM);
        await().atMost(BOUND).pollInterval(Duration.ofMillis(2)).until(() -> {
            if (peer.isOpen()) {
                try {
                    peer.write(toSend);
                } catch (IOException e) {
                    peer.close(); // the server closed it: the test reads the counters
                }
            }
            return server.metrics().closed(CloseCause.ERROR) == 1;
        });
    }

    /** {@code values} read on the reactor thread, after whatever it was doing. */
    private static long[] onReactor(EchoServer server, Supplier<long[]> values) throws InterruptedException {
        long[][] taken = new long[1][];
        CountDownLatch done = new CountDownLatch(1);
        server.reactor().execute(() -> {
            taken[0] = values.get();
            done.countDown();
        });
        assertTrue(done.await(10, TimeUnit.SECONDS), "the reactor did not run a task within 10 s");
        return taken[0];
    }

}
