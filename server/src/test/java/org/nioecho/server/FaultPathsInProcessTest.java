package org.nioecho.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The faulted path of a connection, as a peer on a real socket sees it: what is echoed when
 * the socket is full, the write timeout, backpressure and the output budget under a fault, the
 * peer's FIN and RST while bytes are held, the linger of a {@code limit}, the size classes of
 * held bytes, the log lines of an injected fault, and a reactor that sleeps while a fault
 * holds unread input. The small marks (8 KiB high water) make the socket-full and pause cases
 * quick.
 */
@Timeout(60)
class FaultPathsInProcessTest {
    private static final Duration BOUND = Duration.ofSeconds(10);
    private static final int HIGH_WATER = 8 * 1024;
    private static final int LOW_WATER = 4 * 1024;
    private static final int PEER_TIMEOUT_MS = 10_000;
    // Held: JUL keeps loggers weakly.

    private static ServerConfig.Builder smallMarks(String... faults) {
        return ServerConfig.builder().port(0).highWaterBytes(HIGH_WATER).lowWaterBytes(LOW_WATER)
                .faults(Arrays.stream(faults).map(FaultSpecs::parse).toList()).faultSeed(5);
    }

    /** A blocking peer whose reads through {@link Peers} give up after 10 s. */
    private static SocketChannel peer(InetSocketAddress address) throws IOException {
        SocketChannel channel = Peers.connect(address);
        channel.socket().setSoTimeout(PEER_TIMEOUT_MS);
        return channel;
    }

    /** A peer with a receive window of a few KiB (set before connecting), so that the server's socket fills quickly. */
    private static SocketChannel smallWindowPeer(InetSocketAddress address) throws IOException {
        SocketChannel channel = SocketChannel.open();
        channel.setOption(StandardSocketOptions.SO_RCVBUF, 4096);
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        channel.connect(address);
        channel.socket().setSoTimeout(PEER_TIMEOUT_MS);
        return channel;
    }

    /** Writes without blocking and without reading until the server has paused reading this peer (the high-water mark). */
    private static void writeUntilPaused(EchoServer server, SocketChannel peer) throws IOException {
        peer.configureBlocking(false);
        ByteBuffer chunk = ByteBuffer.allocate(16 * 1024);
        await().atMost(BOUND).pollInterval(Duration.ofMillis(5)).until(() -> {
            for (int i = 0; i < 16 && server.metrics().paused() == 0; i++) {
                chunk.clear();
                if (peer.write(chunk) == 0) {
                    break;
                }
            }
            return server.metrics().paused() == 1;
        });
        peer.configureBlocking(true);
    }

    /** Aborts the connection: RST, not FIN. */
    private static void reset(SocketChannel peer) throws IOException {
        peer.setOption(StandardSocketOptions.SO_LINGER, 0);
        peer.close();
    }

    /**
     * A fault that holds nothing back yet (its ending is 1 GiB away) and a peer that reads only
     * once the server's socket is full: the bytes the socket refused leave on the write events,
     * every one of them, in order, then the EOF; reading paused at the high-water mark meanwhile.
     */
    @Test
    void aPeerThatReadsLateGetsEveryByteTheFullSocketRefused() throws Exception {
        byte[] payload = Peers.randomBytes(256 * 1024, 1);
        try (EchoServer server = EchoServer.start(smallMarks("stall:after=1GiB").sendBufferBytes(2048).build());
             SocketChannel peer = smallWindowPeer(server.address())) {
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    Peers.writeFully(peer, payload);
                    peer.shutdownOutput();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            await().atMost(BOUND).until(() -> server.metrics().paused() == 1); // owed the high-water mark
            byte[] echoed = Peers.readToEof(peer);
            writer.get(BOUND.toMillis(), TimeUnit.MILLISECONDS);
            assertArrayEquals(payload, echoed);
            await().atMost(BOUND).until(() -> server.metrics().closed(CloseCause.EOF) == 1);
            assertEquals(payload.length, server.metrics().bytesSent());
            assertEquals(0, server.metrics().queuedBytes());
            assertEquals(0, server.metrics().paused());
            assertTrue(server.metrics().pauses() >= 1);
            assertEquals(0, server.metrics().closed(CloseCause.ERROR));
        }
    }

    /** The same fault, a peer that reads nothing: the write timeout closes it (the fault held none of the bytes). */
    @Test
    void aFaultThatHoldsNothingLeavesAPeerThatReadsNothingToTheWriteTimeout() throws Exception {
        ServerConfig config = smallMarks("stall:after=1GiB").sendBufferBytes(2048).writeTimeout(Duration.ofMillis(500)).build();
        try (EchoServer server = EchoServer.start(config);
             SocketChannel peer = smallWindowPeer(server.address())) {
            long start = System.nanoTime();
            writeUntilPaused(server, peer);
            await().atMost(BOUND).until(() -> server.metrics().closed(CloseCause.WRITE_TIMEOUT) == 1);
            assertTrue(System.nanoTime() - start >= config.writeTimeout().toNanos());
            assertEquals(1, server.metrics().closedTotal());
        }
    }

    /** A slice of exactly 100 bytes an hour apart: the first piece leaves at once, the rest waits for the delay. */
    @Test
    void aSliceSendsOnePieceOfItsSizeThenWaitsForTheDelay() throws Exception {
        byte[] payload = Peers.randomBytes(1000, 11);
        try (EchoServer server = EchoServer.start(smallMarks("slice:size=100..100,delay=1h").build());
             SocketChannel peer = peer(server.address())) {
            Peers.writeFully(peer, payload);
            assertArrayEquals(Arrays.copyOf(payload, 100), Peers.readExactly(peer, 100));
            await().atMost(BOUND).until(() -> server.metrics().bytesReceived() == payload.length);
            assertEquals(100, server.metrics().bytesSent());
            assertEquals(payload.length - 100, server.metrics().queuedBytes());
        }
    }

    /** A peer's FIN while latency holds its bytes: they all come back first, then the EOF. */
    @Test
    void thePeersFinWhileLatencyHoldsTheBytesComesAfterThem() throws Exception {
        byte[] payload = Peers.randomBytes(1000, 2);
        try (EchoServer server = EchoServer.start(smallMarks("latency:delay=200ms").build());
             SocketChannel peer = peer(server.address())) {
            Peers.writeFully(peer, payload);
            peer.shutdownOutput();
            assertArrayEquals(payload, Peers.readToEof(peer));
            await().atMost(BOUND).until(() -> server.metrics().closed(CloseCause.EOF) == 1);
            assertEquals(payload.length, server.metrics().bytesSent());
            assertEquals(0, server.metrics().queuedBytes());
        }
    }

    /**
     * Latency keeps at most 64 reads pending, and stops reading at that; once they are
     * released, it reads again: 64 messages read one by one, then six more, all echoed in order.
     */
    @Test
    void latencyReadsAgainOnceItsSixtyFourPendingReadsAreReleased() throws Exception {
        int size = 10;
        int messages = ConnectionFaults.MAX_MARKS + 6;
        byte[] payload = Peers.randomBytes(messages * size, 3);
        try (EchoServer server = EchoServer.start(smallMarks("latency:delay=500ms").build());
             SocketChannel peer = peer(server.address())) {
            for (int i = 0; i < ConnectionFaults.MAX_MARKS; i++) { // one read each
                peer.write(ByteBuffer.wrap(payload, i * size, size));
                long received = (long) (i + 1) * size;
                await().atMost(BOUND).pollInSameThread().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1))
                        .until(() -> server.metrics().bytesReceived() == received);
            }
            int rest = ConnectionFaults.MAX_MARKS * size;
            Peers.writeFully(peer, Arrays.copyOfRange(payload, rest, payload.length));
            assertArrayEquals(payload, Peers.readExactly(peer, payload.length));
        }
    }

    /** Held bytes that outgrow their buffer move to the size class of what is held: nothing lost, no error. */
    @Test
    void heldBytesThatOutgrowTheirBufferAreAllEchoed() throws Exception {
        byte[] payload = Peers.randomBytes(6000, 4);
        try (EchoServer server = EchoServer.start(smallMarks("latency:delay=1s").build());
             SocketChannel peer = peer(server.address())) {
            peer.write(ByteBuffer.wrap(payload, 0, 1000));
            await().atMost(BOUND).until(() -> server.metrics().bytesReceived() == 1000); // held in a 4 KiB buffer
            Peers.writeFully(peer, Arrays.copyOfRange(payload, 1000, payload.length)); // 6000 held: 8 KiB
            assertArrayEquals(payload, Peers.readExactly(peer, payload.length));
            assertEquals(0, server.metrics().closed(CloseCause.ERROR));
            assertEquals(0, server.metrics().closedTotal());
        }
    }

    /**
     * {@code limit} reached while latency held the last bytes and reading was paused at the
     * high-water mark: exactly the limit comes back, then the FIN; the pause ends with it, and
     * the server keeps dropping input until the peer's own FIN (well within the 30 s drain).
     */
    @Test
    void limitAfterHeldBytesEndsThePauseAndLingersUntilThePeersFin() throws Exception {
        byte[] payload = Peers.randomBytes(4 * HIGH_WATER, 5);
        ServerConfig config = smallMarks("latency:delay=200ms", "limit:bytes=16KiB").drainTimeout(Duration.ofSeconds(30)).build();
        try (EchoServer server = EchoServer.start(config);
             SocketChannel peer = peer(server.address())) {
            Peers.writeFully(peer, payload); // the server reads 16 KiB; the rest waits in the socket buffers
            assertArrayEquals(Arrays.copyOf(payload, 2 * HIGH_WATER), Peers.readExactly(peer, 2 * HIGH_WATER));
            assertEquals(-1, Peers.read(peer, new byte[1]), "a FIN after exactly the limit");
            assertTrue(server.metrics().pauses() >= 1, "reading paused at the high-water mark");
            await().atMost(BOUND).until(() -> server.metrics().paused() == 0);
            assertEquals(1, server.metrics().active(), "lingering for the peer's FIN");
            peer.shutdownOutput();
            await().atMost(BOUND).until(() -> server.metrics().closed(CloseCause.FAULT) == 1);
            assertEquals(0, server.metrics().active());
            assertEquals(2 * HIGH_WATER, server.metrics().bytesSent());
        }
    }

    /**
     * {@code stall} reached while latency held the last bytes and reading was paused at the
     * high-water mark: exactly those bytes come back, and the stalled connection, which owes
     * nothing, no longer counts as paused.
     */
    @Test
    void stallAfterHeldBytesEndsThePause() throws Exception {
        byte[] payload = Peers.randomBytes(4 * HIGH_WATER, 10);
        try (EchoServer server = EchoServer.start(smallMarks("latency:delay=200ms", "stall:after=16KiB").build());
             SocketChannel peer = peer(server.address())) {
            Peers.writeFully(peer, payload); // the server reads 16 KiB; the rest waits in the socket buffers
            assertArrayEquals(Arrays.copyOf(payload, 2 * HIGH_WATER), Peers.readExactly(peer, 2 * HIGH_WATER));
            assertTrue(server.metrics().pauses() >= 1, "reading paused at the high-water mark");
            await().atMost(BOUND).until(() -> server.metrics().paused() == 0);
            assertEquals(1, server.metrics().active(), "a stall keeps the connection");
            assertEquals(0, server.metrics().queuedBytes());
            assertEquals(2 * HIGH_WATER, server.metrics().bytesReceived());
        }
    }

    /** {@code limit} with a peer that never sends its FIN: the linger ends at the drain timeout, not before. */
    @Test
    void limitLingerEndsAtTheDrainTimeoutWithoutThePeersFin() throws Exception {
        byte[] payload = Peers.randomBytes(300, 6);
        ServerConfig config = smallMarks("limit:bytes=100").drainTimeout(Duration.ofMillis(400)).build();
        try (EchoServer server = EchoServer.start(config);
             SocketChannel peer = peer(server.address())) {
            long start = System.nanoTime();
            Peers.writeFully(peer, payload);
            assertArrayEquals(Arrays.copyOf(payload, 100), Peers.readExactly(peer, 100));
            assertEquals(-1, Peers.read(peer, new byte[1]), "a FIN after exactly the limit");
            await().atMost(BOUND).until(() -> server.metrics().closed(CloseCause.FAULT) == 1);
            long elapsed = System.nanoTime() - start;
            assertTrue(elapsed >= config.drainTimeout().toNanos(), "closed after " + elapsed / 1_000_000 + " ms");
            assertEquals(1, server.metrics().faultsInjected(FaultKind.LIMIT));
        }
    }

    /** A peer's RST while a black hole reads: the read fails and the connection closes as reset. */
    @Test
    void aResetWhileABlackholeReadsClosesTheConnectionAsReset() throws Exception {
        try (EchoServer server = EchoServer.start(smallMarks("blackhole").build())) {
            SocketChannel peer = peer(server.address());
            Peers.writeFully(peer, new byte[100]);
            await().atMost(BOUND).until(() -> server.metrics().bytesReceived() == 100);
            reset(peer);
            await().atMost(BOUND).until(() -> server.metrics().closed(CloseCause.RESET) == 1);
            assertEquals(0, server.metrics().active());
        }
    }

    /** A peer's RST while latency holds its bytes and reading is paused: the next write fails and closes it. */
    @Test
    void aResetWhileLatencyHoldsTheBytesClosesTheConnectionAtTheNextWrite() throws Exception {
        try (EchoServer server = EchoServer.start(smallMarks("latency:delay=1s").build())) {
            SocketChannel peer = peer(server.address());
            writeUntilPaused(server, peer);
            reset(peer);
            await().atMost(BOUND).until(() -> server.metrics().closedTotal() == 1);
            assertEquals(1, server.metrics().closed(CloseCause.RESET) + server.metrics().closed(CloseCause.BROKEN_PIPE));
            assertEquals(0, server.metrics().queuedBytes());
            assertEquals(0, server.metrics().paused());
        }
    }

    /**
     * A slow bandwidth (1 byte/s) sends its bucket of 4 KiB at once and holds the rest; held
     * bytes of two such peers that need more than the output budget make a read wait for the
     * budget (a budget pause), not spin.
     */
    @Test
    void heldBytesBeyondTheBudgetPauseAReadForTheBudget() throws Exception {
        byte[] payload = Peers.randomBytes(HIGH_WATER, 7);
        int burst = (int) ConnectionFaults.MIN_BURST_BYTES;
        ServerConfig config = smallMarks("bandwidth:rate=1").maxOutputMemoryBytes(HIGH_WATER).build();
        try (EchoServer server = EchoServer.start(config);
             SocketChannel holder = peer(server.address());
             SocketChannel other = peer(server.address())) {
            Peers.writeFully(holder, payload);
            assertArrayEquals(Arrays.copyOf(payload, burst), Peers.readExactly(holder, burst), "the bucket's burst");
            await().atMost(BOUND).until(() -> server.metrics().queuedBytes() == HIGH_WATER - burst);
            assertEquals(burst, server.metrics().bytesSent(), "then nothing: the rest waits for the rate");
            // The other peer's bucket takes 4 KiB; what it holds beyond needs more than the budget has left.
            Peers.writeFully(other, new byte[3 * burst]);
            await().atMost(BOUND).until(() -> server.metrics().budgetPauses() >= 1);
            assertEquals(0, server.metrics().closedTotal());
        }
    }

    /**
     * The debug lines of an injected fault (the faults drawn, then the fault that ends the
     * connection with the bytes sent) and no ERROR line for a connection a fault closed.
     */
    @Test
    void aCloseFaultLogsTheFaultAtDebugAndNothingAtError() throws Exception {
        byte[] payload = Peers.randomBytes(3000, 8);
        String remote;
        try (CapturedLog log = new CapturedLog(Connection.class, Reactor.class);
             EchoServer server = EchoServer.start(smallMarks("close:after=1000").build());
             SocketChannel peer = peer(server.address())) {
            remote = "127.0.0.1:" + Peers.localPort(peer);
            Peers.writeFully(peer, payload);
            assertArrayEquals(Arrays.copyOf(payload, 1000), Peers.readToEof(peer));
            await().atMost(BOUND).until(() -> server.metrics().closed(CloseCause.FAULT) == 1);
            assertTrue(log.lines().contains("connection " + remote + ": faults close:after=1000"), log.lines().toString());
            assertTrue(log.lines().contains("connection " + remote + ": fault close (close:after=1000) after 1000 bytes sent in all"),
                    log.lines().toString());
            assertEquals(List.of(), log.errorsAbout(remote));
        }
    }

    /** A timed stall stops reading and echoing, and keeps the connection. */
    @Test
    void aTimedStallStopsReadingAndEchoing() throws Exception {
        assertTimedStallReadsNothingMore("stall:after=200ms");
    }

    /** A black hole with a timed stall stops reading (and dropping) too: the input stays in the kernel. */
    @Test
    void aBlackholeWithATimedStallStopsReading() throws Exception {
        assertTimedStallReadsNothingMore("blackhole", "stall:after=200ms");
    }

    private static void assertTimedStallReadsNothingMore(String... faults) throws Exception {
        try (CapturedLog log = new CapturedLog(Connection.class, Reactor.class);
             EchoServer server = EchoServer.start(smallMarks(faults).build());
             SocketChannel peer = peer(server.address())) {
            String stalled = "connection 127.0.0.1:" + Peers.localPort(peer) + ": fault stall";
            await().atMost(BOUND).until(() -> log.lines().stream().anyMatch(line -> line.startsWith(stalled)));
            Peers.writeFully(peer, new byte[100]);
            await().during(Duration.ofMillis(500)).atMost(BOUND).until(() -> server.metrics().bytesReceived() == 0);
            assertEquals(0, server.metrics().bytesSent());
            assertEquals(1, server.metrics().active());
            assertEquals(1, server.metrics().faultsInjected(FaultKind.STALL));
        }
    }

    /** A black hole that swallowed the peer's FIN stops reading: the reactor sleeps, it does not spin on the EOF. */
    @Test
    void aBlackholeThatSwallowedTheFinLeavesTheReactorAsleep() throws Exception {
        try (EchoServer server = EchoServer.start(smallMarks("blackhole").build());
             SocketChannel peer = peer(server.address())) {
            Peers.writeFully(peer, new byte[100]);
            await().atMost(BOUND).until(() -> server.metrics().bytesReceived() == 100);
            peer.shutdownOutput();
            ReactorQuietTest.assertQuiet(server);
            assertEquals(1, server.metrics().active());
        }
    }

    /** A stall with unread input waiting: the reactor sleeps, it does not spin on the readable socket. */
    @Test
    void aStallWithUnreadInputLeavesTheReactorAsleep() throws Exception {
        byte[] payload = Peers.randomBytes(1000, 9);
        try (EchoServer server = EchoServer.start(smallMarks("stall:after=1000").build());
             SocketChannel peer = peer(server.address())) {
            Peers.writeFully(peer, payload);
            assertArrayEquals(payload, Peers.readExactly(peer, 1000));
            Peers.writeFully(peer, new byte[5000]); // never read
            ReactorQuietTest.assertQuiet(server);
            assertEquals(1000, server.metrics().bytesReceived());
            assertEquals(1, server.metrics().active());
        }
    }
}
