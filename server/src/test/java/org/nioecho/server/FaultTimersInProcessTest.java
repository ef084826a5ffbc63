package org.nioecho.server;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The timers of faulted connections in process (docs/faults.md), each fast enough for mutation
 * testing: the linger deadline of {@code limit}, and a timed close that comes while it
 * lingers; a latency release armed earlier than a pending timed close; a timed close and the
 * write timeout of a connection whose peer stopped reading; and the reactor sleeping while a
 * fault holds bytes or a close lingers. Timings are lower bounds only.
 */
@Timeout(60)
class FaultTimersInProcessTest {
    private static final Duration BOUND = Duration.ofSeconds(20);

    private static FaultSpec limit(long bytes) {
        return new FaultSpec(FaultKind.LIMIT, 0, 0, bytes, 0, 0, 0, 0, 0, 1, "limit:bytes=" + bytes);
    }

    private static FaultSpec closeAfter(Duration after) {
        return new FaultSpec(FaultKind.CLOSE, -1, after.toNanos(), 0, 0, 0, 0, 0, 0, 1, "close:after=" + after.toMillis() + "ms");
    }

    private static FaultSpec latency(Duration delay) {
        return new FaultSpec(FaultKind.LATENCY, 0, 0, 0, delay.toNanos(), 0, 0, 0, 0, 1, "latency:delay=" + delay.toMillis() + "ms");
    }

    private static EchoServer startWith(Duration drainTimeout, FaultSpec... faults) throws IOException {
        return EchoServer.start(ServerConfig.builder().port(0).idleTimeout(Duration.ZERO).writeTimeout(Duration.ZERO)
                .drainTimeout(drainTimeout).faults(List.of(faults)).faultSeed(11).build());
    }

    private static Socket connect(InetSocketAddress address) throws IOException {
        Socket socket = new Socket();
        socket.connect(address, 5_000);
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(Peers.READ_TIMEOUT_MS);
        return socket;
    }

    private static byte[] readToEof(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] chunk = new byte[4096];
        for (int n; (n = in.read(chunk)) >= 0; ) {
            all.write(chunk, 0, n);
        }
        return all.toByteArray();
    }

    /** Polls until the server closed one connection with cause {@code fault}, never before {@code notBefore} from {@code since}. */
    private static void awaitFaultCloseNoSoonerThan(EchoServer server, long since, Duration notBefore, String what) {
        await().atMost(BOUND).pollInterval(Duration.ofMillis(5))
                .until(() -> faultClosesNoSoonerThan(server, since, notBefore, what) == 1);
    }

    /** The connections closed with cause {@code fault} so far; none if {@code notBefore} has not passed since {@code since}. */
    private static long faultClosesNoSoonerThan(EchoServer server, long since, Duration notBefore, String what) {
        long closed = server.metrics().closed(CloseCause.FAULT);
        long elapsed = System.nanoTime() - since;
        assertTrue(closed == 0 || elapsed >= notBefore.toNanos(), what + ": closed within "
                + TimeUnit.NANOSECONDS.toMillis(elapsed) + " ms, before " + notBefore.toMillis() + " ms");
        return closed;
    }

    /**
     * {@code limit:bytes=0}: FIN at once, then a lingering close that drops input until the
     * peer's FIN; a peer that never sends it is closed at the linger deadline (the drain
     * timeout), not before.
     */
    @Test
    void aLingeringCloseEndsAtItsDeadlineAndNotBefore() throws Exception {
        Duration linger = Duration.ofMillis(300);
        try (EchoServer server = startWith(linger, limit(0))) {
            long since = System.nanoTime();
            try (Socket peer = connect(server.address())) {
                assertEquals(0, readToEof(peer.getInputStream()).length, "limit 0: EOF at once");
                awaitFaultCloseNoSoonerThan(server, since, linger, "the lingering close");
            }
            assertEquals(1, server.metrics().closedTotal());
        }
    }

    /**
     * A timed close armed at accept that comes due while the connection lingers after its
     * {@code limit}: the linger goes on to its own deadline (not the timed close's), and the
     * reactor sleeps until then.
     */
    @Test
    void aTimedCloseDueWhileLingeringLeavesTheLingerDeadlineAndTheReactorSleeps() throws Exception {
        Duration timedClose = Duration.ofMillis(300);
        Duration linger = Duration.ofMillis(1_000);
        try (CapturedLog timerLog = new CapturedLog(TimerQueue.class);
             EchoServer server = startWith(linger, limit(1), closeAfter(timedClose))) {
            long since = System.nanoTime();
            try (Socket peer = connect(server.address())) {
                peer.getOutputStream().write(new byte[] {1, 2});
                assertArrayEquals(new byte[] {1}, readToEof(peer.getInputStream()),
                        "limit 1: one byte, then EOF (no byte: the timed close came first, the machine stalled for "
                                + timedClose.toMillis() + " ms)");
                await().atMost(BOUND).until(() -> System.nanoTime() - since > timedClose.plusMillis(50).toNanos());
                faultClosesNoSoonerThan(server, since, linger, "the lingering close, as the timed close came");
                ReactorThreads.assertSleeps(() -> server.metrics().closedTotal() <= 1, "lingering, the timed close past");
                awaitFaultCloseNoSoonerThan(server, since, linger, "the lingering close");
            }
            assertEquals(1, server.metrics().closedTotal());
            assertEquals(List.of(), timerLog.messages(Level.SEVERE));
        }
    }

    /**
     * A timed close of a connection whose peer stopped reading (what the 1 ms latency released
     * waits for the socket, which owes it): it closes at its time, and no timer fails on the
     * connection it closed.
     */
    @Test
    void aTimedCloseEndsAConnectionWaitingForItsSocketWithoutATimerFailure() throws Exception {
        Duration timedClose = Duration.ofMillis(300);
        try (CapturedLog timerLog = new CapturedLog(TimerQueue.class);
             EchoServer server = EchoServer.start(TimersInProcessTest.smallMarks().faults(List.of(latency(Duration.ofMillis(1)), closeAfter(timedClose)))
                     .faultSeed(11).build());
             SocketChannel stalled = Peers.nonReader(server.address())) {
            long since = System.nanoTime();
            TimersInProcessTest.sendUntilOwed(server, stalled);
            awaitFaultCloseNoSoonerThan(server, since, timedClose, "the timed close");
            assertEquals(1, server.metrics().closedTotal());
            assertEquals(List.of(), timerLog.messages(Level.SEVERE));
        }
    }

    /**
     * Bytes held by a 20 ms latency while a timed close 800 ms after accept is armed: the
     * release is armed earlier than the pending close, so the bytes are echoed, then EOF;
     * no timer fails on the closed connection.
     */
    @Test
    void aReleaseArmedBeforeAPendingTimedCloseComesFirst() throws Exception {
        try (CapturedLog timerLog = new CapturedLog(TimerQueue.class);
             EchoServer server = startWith(Duration.ofSeconds(5), latency(Duration.ofMillis(20)), closeAfter(Duration.ofMillis(800)));
             Socket peer = connect(server.address())) {
            byte[] payload = Peers.randomBytes(100, 62);
            peer.getOutputStream().write(payload);
            assertArrayEquals(payload, readToEof(peer.getInputStream()), "the echo, then the timed close's EOF");
            await().atMost(BOUND).until(() -> server.metrics().closed(CloseCause.FAULT) == 1);
            assertEquals(1, server.metrics().closedTotal());
            assertEquals(List.of(), timerLog.messages(Level.SEVERE));
        }
    }

    /**
     * Bytes held by a latency: the reactor sleeps until their release, then echoes them; alone,
     * or with a timed close far away armed as well (the release is then the earlier of two deadlines).
     */
    @ParameterizedTest(name = "with a timed close far away: {0}")
    @ValueSource(booleans = {false, true})
    void bytesHeldByALatencyLetTheReactorSleepUntilTheirRelease(boolean withTimedClose) throws Exception {
        Duration delay = Duration.ofMillis(700);
        FaultSpec[] faults = withTimedClose
                ? new FaultSpec[] {latency(delay), closeAfter(Duration.ofMinutes(1))}
                : new FaultSpec[] {latency(delay)};
        try (EchoServer server = startWith(Duration.ofSeconds(5), faults);
             Socket peer = connect(server.address())) {
            byte[] payload = Peers.randomBytes(100, 63);
            long sent = System.nanoTime();
            peer.getOutputStream().write(payload);
            await().atMost(BOUND).until(() -> server.metrics().queuedBytes() == payload.length);
            TimersInProcessTest.assertSleeps(server, 1, "bytes held by a latency of " + delay.toMillis() + " ms");
            assertArrayEquals(payload, peer.getInputStream().readNBytes(payload.length));
            assertTrue(System.nanoTime() - sent >= delay.toNanos(), "echoed before the latency");
        }
    }

    /**
     * A peer that stopped reading a connection with a 1 ms latency: once the socket refuses
     * what the latency released, the bytes are the peer's to take, and the write timeout
     * closes it (no sooner than the timeout).
     */
    @Test
    void aFaultedConnectionWhosePeerStoppedReadingIsClosedByTheWriteTimeout() throws Exception {
        Duration writeTimeout = Duration.ofMillis(300);
        try (EchoServer server = EchoServer.start(TimersInProcessTest.smallMarks().writeTimeout(writeTimeout)
                .faults(List.of(latency(Duration.ofMillis(1)))).faultSeed(11).build());
             SocketChannel stalled = Peers.nonReader(server.address())) {
            long since = System.nanoTime();
            TimersInProcessTest.sendUntilOwed(server, stalled);
            await().atMost(BOUND).pollInterval(Duration.ofMillis(5)).until(() -> {
                long closed = server.metrics().closed(CloseCause.WRITE_TIMEOUT);
                long elapsed = System.nanoTime() - since;
                assertTrue(closed == 0 || elapsed >= writeTimeout.toNanos(), "closed as write-stalled within "
                        + TimeUnit.NANOSECONDS.toMillis(elapsed) + " ms of the first byte, before the write timeout");
                return closed == 1;
            });
            assertEquals(1, server.metrics().closedTotal(), server.summary());
        }
    }
}
