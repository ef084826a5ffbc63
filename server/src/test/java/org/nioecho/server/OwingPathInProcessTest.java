package org.nioecho.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nioecho.kernel.TcpTable;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The path of a connection that owes bytes, with marks of a few KiB so that it runs in a
 * fraction of a second (mutation testing runs it once per mutant it covers; the megabyte
 * versions are {@link BackpressurePauseTest}, {@link WriteTimeoutTest},
 * {@link ServerLifecycleTest}): pause at the high-water mark, no read while paused, resume
 * (and then resume), a half-close while bytes are owed, the write timeout, the drain
 * on shutdown and its timeout. A peer that never reads fills the kernel's buffers first
 * (on loopback the server's send buffer grows to about 2 MB), then the server owes.
 */
class OwingPathInProcessTest {
    private static final int HIGH_WATER = 8 * 1024;
    private static final int LOW_WATER = 2 * 1024;
    private static final int READ_BUFFER = 64 * 1024;
    private static final Duration BOUND = Duration.ofSeconds(20);
    private static final byte[] STREAM = Peers.randomBytes(8 << 20, 31);
    private static final Logger CONNECTION_LOG = Logger.getLogger(Connection.class.getName()); // held: JUL keeps loggers weakly

    /** The reactor's counters, read on the reactor thread (so all from the same instant). */
    private record Snapshot(long received, long queued, int paused, long pauses, long outputMemory) {
    }

    private static Snapshot snapshot(EchoServer server) throws InterruptedException {
        Snapshot[] taken = new Snapshot[1];
        CountDownLatch done = new CountDownLatch(1);
        server.reactor().execute(() -> {
            ServerMetrics m = server.metrics();
            taken[0] = new Snapshot(m.bytesReceived, m.queuedBytes, m.paused, m.pauses, m.outputMemoryBytes());
            done.countDown();
        });
        assertTrue(done.await(10, TimeUnit.SECONDS), "the reactor did not run a task within 10 s");
        return taken[0];
    }

    private static ServerConfig.Builder smallMarks() {
        return ServerConfig.builder().port(0).idleTimeout(Duration.ZERO).writeTimeout(Duration.ZERO)
                .highWaterBytes(HIGH_WATER).lowWaterBytes(LOW_WATER).readBufferBytes(READ_BUFFER);
    }


    /** Sends without reading until the server owes bytes to {@code peer}; returns what was sent. */
    private static ByteBuffer sendUntilOwed(EchoServer server, SocketChannel peer, int owedBytes) {
        ByteBuffer toSend = ByteBuffer.wrap(STREAM);
        await().atMost(BOUND).pollInterval(Duration.ofMillis(2)).until(() -> {
            peer.write(toSend);
            return server.metrics().queuedBytes() >= owedBytes;
        });
        assertTrue(toSend.hasRemaining(), "the server took all " + STREAM.length + " bytes without owing");
        return toSend;
    }

    private static TcpTable.Entry serverSide(EchoServer server, SocketChannel peer) throws IOException {
        int port = server.address().getPort();
        int peerPort = Peers.localPort(peer);
        return TcpTable.read().stream()
                .filter(e -> e.local().getPort() == port && e.remote().getPort() == peerPort)
                .findFirst().orElseThrow(() -> new AssertionError("no server socket for port " + peerPort));
    }

    /** Reads what is left up to the peer's EOF (blocking, each read bounded) and checks it is the echo. */
    private static void readRestAndCheckEcho(SocketChannel peer, ByteBuffer echoed, long sent) throws IOException {
        peer.setOption(StandardSocketOptions.SO_RCVBUF, 64 * 1024); // a wider window: drain in fewer turns
        peer.configureBlocking(true);
        byte[] rest = Peers.readToEof(Peers.bounded(peer));
        assertTrue(rest.length <= echoed.remaining(), "echoed more than was sent");
        echoed.put(rest);
        assertEquals(sent, echoed.position(), "echoed bytes");
        assertArrayEquals(Arrays.copyOf(STREAM, (int) sent), Arrays.copyOf(echoed.array(), (int) sent));
    }

    @Test
    @Timeout(60)
    void pausedAtTheHighWaterMarkIsNotReadThenResumesAndEchoesEverything() throws Exception {
        try (EchoServer server = EchoServer.start(smallMarks().build());
             SocketChannel peer = Peers.nonReader(server.address())) {
            ByteBuffer toSend = sendUntilOwed(server, peer, HIGH_WATER);
            await().atMost(BOUND).until(() -> server.metrics().paused() == 1);
            Snapshot paused = snapshot(server);
            assertEquals(HIGH_WATER, paused.queued(), "paused owing exactly the high-water mark (a read never takes more)");
            assertEquals(1, paused.pauses());
            assertEquals(HIGH_WATER, paused.outputMemory(), "one output buffer of the high-water mark's size");

            // Paused means not read: what the peer sends now waits in the server's receive queue.
            await().atMost(BOUND).pollInterval(Duration.ofMillis(10))
                    .failFast("the server read while paused", () -> server.metrics().bytesReceived() != paused.received())
                    .until(() -> {
                        peer.write(toSend);
                        return serverSide(server, peer).receiveQueue() >= 4096;
                    });

            assertEquals(paused.received(), snapshot(server).received(), "a paused connection was read");
            assertEquals(1, snapshot(server).paused());

            // The peer half-closes and reads: the server resumes, echoes the rest (pausing again
            // on the way), then closes; nothing stays paused or borrowed.
            peer.shutdownOutput();
            readRestAndCheckEcho(peer, ByteBuffer.allocate(STREAM.length), toSend.position());
            await().atMost(BOUND).until(() -> server.metrics().active() == 0);
            Snapshot end = snapshot(server);
            assertEquals(toSend.position(), end.received());
            assertEquals(0, end.queued());
            assertEquals(0, end.paused());
            assertEquals(0, end.outputMemory(), "every output buffer returned");
            assertEquals(1, server.metrics().closed(CloseCause.EOF));
        }
    }

    /**
     * Resumes at the low-water mark, not before: with a server send buffer of a few KiB each
     * write takes part of what is owed, so a resume below the high-water mark but above the
     * low-water one would be seen. The owed bytes at each pause and resume come from the
     * debug lines, written on the reactor thread at that instant.
     */
    @Test
    @Timeout(60)
    void pausesAtTheHighWaterMarkAndResumesOnlyAtTheLowWaterMark() throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                lines.add(record.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Level level = CONNECTION_LOG.getLevel();
        CONNECTION_LOG.setLevel(Level.FINE);
        CONNECTION_LOG.addHandler(capture);
        try (EchoServer server = EchoServer.start(smallMarks().sendBufferBytes(2048).build());
             SocketChannel peer = Peers.nonReader(server.address())) {
            ByteBuffer toSend = sendUntilOwed(server, peer, HIGH_WATER);
            await().atMost(BOUND).until(() -> server.metrics().paused() == 1);
            assertTrue(server.metrics().pauses() >= 1, "the pause is counted");
            peer.shutdownOutput();
            readRestAndCheckEcho(peer, ByteBuffer.allocate(STREAM.length), toSend.position());
            await().atMost(BOUND).until(() -> server.metrics().active() == 0);
        } finally {
            CONNECTION_LOG.removeHandler(capture);
            CONNECTION_LOG.setLevel(level);
        }
        List<Integer> pausedAt = CapturedLog.bytesOwedAt(lines, "reading paused");
        List<Integer> resumedAt = CapturedLog.bytesOwedAt(lines, "reading resumed");
        assertFalse(resumedAt.isEmpty(), "never resumed: " + lines);
        assertTrue(pausedAt.size() >= resumedAt.size(), lines.toString());
        assertTrue(pausedAt.stream().allMatch(owed -> owed >= HIGH_WATER), "paused below the high-water mark: " + pausedAt);
        assertTrue(resumedAt.stream().allMatch(owed -> owed <= LOW_WATER), "resumed above the low-water mark: " + resumedAt);
    }

    @Test
    @Timeout(60)
    void aHalfCloseWhileBytesAreOwedIsEchoedInFullThenClosed() throws Exception {
        try (EchoServer server = EchoServer.start(smallMarks().build());
             SocketChannel peer = Peers.nonReader(server.address())) {
            ByteBuffer toSend = sendUntilOwed(server, peer, 1);
            peer.shutdownOutput();
            ByteBuffer echoed = ByteBuffer.allocate(STREAM.length);
            readRestAndCheckEcho(peer, echoed, toSend.position());
            await().atMost(BOUND).until(() -> server.metrics().active() == 0);
            assertEquals(0, server.metrics().paused());
            assertEquals(0, server.metrics().queuedBytes());
            assertEquals(0, server.metrics().outputMemoryBytes());
            assertEquals(1, server.metrics().closed(CloseCause.EOF));
        }
    }

    @Test
    @Timeout(60)
    void aPeerThatTakesNothingForTheWriteTimeoutIsClosed() throws Exception {
        try (EchoServer server = EchoServer.start(smallMarks().writeTimeout(Duration.ofMillis(200)).build());
             SocketChannel stalled = Peers.nonReader(server.address());
             SocketChannel quiet = Peers.connect(server.address())) {
            sendUntilOwed(server, stalled, 1);
            await().atMost(BOUND).until(() -> server.metrics().closed(CloseCause.WRITE_TIMEOUT) == 1);
            assertEquals(0, server.metrics().queuedBytes());
            assertEquals(0, server.metrics().paused(), "a closed connection is not paused");
            assertEquals(0, server.metrics().outputMemoryBytes());
            // A connection that owes nothing is never write-stalled, however long it is silent.
            assertEquals(1, server.metrics().active(), "the quiet peer was closed");
            assertEquals(1, server.metrics().closedTotal());
            byte[] ping = Peers.randomBytes(100, 3);
            assertArrayEquals(ping, Peers.echo(quiet, ping));
        }
    }

    @Test
    @Timeout(60)
    void shutdownSendsWhatIsOwedThenEndsTheConnection() throws Exception {
        EchoServer server = EchoServer.start(smallMarks().drainTimeout(Duration.ofSeconds(30)).build());
        try (SocketChannel peer = Peers.nonReader(server.address())) {
            ByteBuffer toSend = sendUntilOwed(server, peer, HIGH_WATER);
            long received = snapshot(server).received();
            server.shutdown();
            // The server stops reading and sends what it owes; the peer reads it all, then EOF,
            // and closes its side, which ends the server's lingering close.
            peer.configureBlocking(true);
            byte[] echoed = Peers.readToEof(Peers.bounded(peer));
            assertEquals(received, echoed.length, "everything read before the shutdown was echoed, nothing more");
            assertArrayEquals(Arrays.copyOf(STREAM, (int) received), echoed);
            assertTrue(toSend.position() >= received);
            peer.close();
            assertTrue(server.awaitTermination(BOUND), "the server did not end after the drain");
            assertEquals(1, server.metrics().closed(CloseCause.SHUTDOWN));
            assertEquals(0, server.metrics().paused());
            assertEquals(0, server.metrics().outputMemoryBytes());
        } finally {
            server.close();
        }
    }

    @Test
    @Timeout(60)
    void theDrainTimeoutClosesAPeerThatNeverReads() throws Exception {
        EchoServer server = EchoServer.start(smallMarks().drainTimeout(Duration.ofMillis(200)).build());
        try (SocketChannel peer = Peers.nonReader(server.address())) {
            sendUntilOwed(server, peer, HIGH_WATER);
            server.shutdown();
            assertTrue(server.awaitTermination(BOUND), "a peer that never reads held the server past its drain timeout");
            assertEquals(1, server.metrics().closed(CloseCause.SHUTDOWN));
            assertEquals(0, server.metrics().active());
            assertEquals(0, server.metrics().queuedBytes());
            assertEquals(0, server.metrics().paused(), "paused after the close");
            assertEquals(0, server.metrics().outputMemoryBytes());
        } finally {
            server.close();
        }
    }
}
