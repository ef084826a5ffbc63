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
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The reactor's timers in process, each fast enough for mutation testing: the write timeout
 * never fires early; the drain timeout and a cleared interrupt say so in one line each; the
 * reactor sleeps until its next deadline (no timeout on, a peer waiting for output memory, a
 * heartbeat, a fault holding bytes or a lingering close); and the timers of faulted
 * connections: the linger deadline of {@code limit}, a latency release armed earlier than
 * a pending timed ending. Timings are lower bounds only; "sleeps" counts the reactor's
 * wake-ups ({@link ReactorThreads#wakeups}), which a 1 ms select loop multiplies by hundreds.
 */
@Timeout(60)
class TimersInProcessTest {
    private static final Duration BOUND = Duration.ofSeconds(20);
    private static final Duration QUIET = Duration.ofMillis(400);
    /** Wake-ups allowed in {@link #QUIET}: one per 10 ms is already a busy loop; a sleeping reactor has a handful. */
    private static final long MAX_WAKEUPS = 40;
    private static final byte[] FLOOD = Peers.randomBytes(4 << 20, 61);

    private static ServerConfig.Builder smallMarks() {
        return ServerConfig.builder().port(0).idleTimeout(Duration.ZERO).writeTimeout(Duration.ZERO)
                .highWaterBytes(8 * 1024).lowWaterBytes(2 * 1024).sendBufferBytes(2048);
    }

    /** A peer with small kernel buffers that sends and does not read, non-blocking. */
    private static SocketChannel nonReader(InetSocketAddress address) throws IOException {
        SocketChannel peer = SocketChannel.open();
        peer.setOption(StandardSocketOptions.SO_RCVBUF, 1024);
        peer.setOption(StandardSocketOptions.SO_SNDBUF, 8192);
        peer.connect(address);
        peer.configureBlocking(false);
        return peer;
    }

    /** Sends without reading until the server owes {@code peer} bytes (or closed it). */
    private static void sendUntilOwed(EchoServer server, SocketChannel peer) {
        ByteBuffer toSend = ByteBuffer.wrap(FLOOD);
        await().atMost(BOUND).pollInterval(Duration.ofMillis(2)).until(() -> {
            peer.write(toSend);
            return server.metrics().queuedBytes() > 0 || server.metrics().closedTotal() > 0;
        });
    }

    /** Waits out {@link #QUIET} while {@code server} keeps {@code active} connections, and checks the reactor slept. */
    private static void assertSleeps(EchoServer server, int active, String state) throws IOException {
        assertSleeps(() -> server.metrics().active() == active, state);
    }

    /** Waits out {@link #QUIET} while {@code steady} holds, and checks the reactor slept. */
    private static void assertSleeps(Callable<Boolean> steady, String state) throws IOException {
        long before = ReactorThreads.wakeups();
        await().during(QUIET).atMost(QUIET.multipliedBy(10)).until(steady);
        long wakeups = ReactorThreads.wakeups() - before;
        assertTrue(wakeups < MAX_WAKEUPS, state + ": the reactor woke up " + wakeups + " times in about " + QUIET.toMillis() + " ms");
    }

    // ---- the sweep and the shutdown deadline ------------------------------------------------

    @Test
    void aWriteStalledPeerIsNeverClosedBeforeTheWriteTimeout() throws Exception {
        Duration writeTimeout = Duration.ofMillis(400);
        try (EchoServer server = EchoServer.start(smallMarks().writeTimeout(writeTimeout).build());
             SocketChannel stalled = nonReader(server.address())) {
            long since = System.nanoTime(); // before the first byte: owing, and the write clock, start later
            sendUntilOwed(server, stalled);
            await().atMost(BOUND).pollInterval(Duration.ofMillis(5)).until(() -> {
                long closed = server.metrics().closed(CloseCause.WRITE_TIMEOUT);
                long elapsed = System.nanoTime() - since;
                assertTrue(closed == 0 || elapsed >= writeTimeout.toNanos(), "closed as write-stalled within "
                        + TimeUnit.NANOSECONDS.toMillis(elapsed) + " ms of the first byte, before the write timeout");
                return closed == 1;
            });
            assertEquals(1, server.metrics().closedTotal());
            assertEquals(0, server.metrics().queuedBytes());
        }
    }

    @Test
    void theDrainTimeoutSaysInOneLineHowManyConnectionsItCloses() throws Exception {
        EchoServer server = EchoServer.start(smallMarks().drainTimeout(Duration.ofMillis(200)).build());
        try (CapturedLog log = new CapturedLog(Reactor.class);
             SocketChannel peer = nonReader(server.address())) {
            sendUntilOwed(server, peer);
            server.shutdown();
            assertTrue(server.awaitTermination(BOUND), "a peer that never reads held the server past its drain timeout");
            assertEquals(List.of("drain timeout: closing 1 connection that still owes bytes"), log.messages(Level.WARNING));
            assertEquals(1, server.metrics().closed(CloseCause.SHUTDOWN));
        } finally {
            server.close();
        }
    }

    @Test
    void anInterruptIsClearedAndReportedOnceAndTheReactorServesOn() throws Exception {
        try (CapturedLog log = new CapturedLog(Reactor.class);
             EchoServer server = EchoServer.start(ServerConfig.builder().port(0).build());
             SocketChannel peer = Peers.connect(server.address())) {
            byte[] ping = {1, 2, 3};
            Peers.writeFully(peer, ping);
            assertArrayEquals(ping, Peers.readExactly(peer, ping.length));
            assertEquals(List.of(), log.messages(Level.WARNING), "a warning before any interrupt");
            server.interruptReactor();
            await().atMost(BOUND).until(() -> !log.messages(Level.WARNING).isEmpty());
            for (int i = 0; i < 20; i++) { // turns after the interrupt
                Peers.writeFully(peer, ping);
                assertArrayEquals(ping, Peers.readExactly(peer, ping.length));
            }
            assertEquals(List.of("reactor thread was interrupted: interrupt cleared, still serving"), log.messages(Level.WARNING));
        }
    }

    // ---- the select timeout: the reactor sleeps until its next deadline -------------------------

    @Test
    void withEveryTimeoutOffTheReactorSleepsUntilAnEvent() throws Exception {
        try (EchoServer server = EchoServer.start(smallMarks().build());
             SocketChannel peer = Peers.connect(server.address())) {
            assertArrayEquals(new byte[] {9}, Peers.echo(peer, new byte[] {9}));
            assertSleeps(server, 0, "no timeout on, no connection");
        }
    }

    @Test
    void aHeartbeatWakesTheReactorOncePerPeriod() throws Exception {
        try (EchoServer server = EchoServer.start(smallMarks().build())) {
            server.beatEvery(Duration.ofMillis(100));
            await().atMost(BOUND).until(() -> server.reactor().heartbeatAgeNanos() < TimeUnit.SECONDS.toNanos(1));
            assertSleeps(server, 0, "a heartbeat every 100 ms");
        }
    }

    /** A peer waiting for output memory, with the pressure and write timeouts off: no sweep is due, nothing to wake for. */
    @Test
    void aPeerWaitingForOutputMemoryWithThePressureTimeoutOffLetsTheReactorSleep() throws Exception {
        try (EchoServer server = EchoServer.start(smallMarks().highWaterBytes(4 * 1024).lowWaterBytes(1024)
                .maxOutputMemoryBytes(4 * 1024).pressureWriteTimeout(Duration.ZERO).build());
             SocketChannel holder = nonReader(server.address());
             SocketChannel waiter = nonReader(server.address())) {
            await().atMost(BOUND).pollInterval(Duration.ofMillis(2)).until(() -> {
                holder.write(ByteBuffer.wrap(FLOOD, 0, 64 * 1024));
                return server.metrics().outputMemoryBytes() == 4 * 1024;
            });
            await().atMost(BOUND).pollInterval(Duration.ofMillis(2)).until(() -> {
                waiter.write(ByteBuffer.wrap(FLOOD, 0, 64 * 1024));
                return server.metrics().budgetPauses() == 1;
            });
            assertSleeps(server, 2, "a peer waits for output memory, the pressure timeout off");
            assertEquals(0, server.metrics().closedTotal());
        }
    }

    // ---- the timers of faulted connections --------------------------------------------------------

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
     * timeout), not before, and the reactor sleeps meanwhile.
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
                assertSleeps(() -> server.metrics().closedTotal() <= 1, "lingering, the timed close past");
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
             EchoServer server = EchoServer.start(smallMarks().faults(List.of(latency(Duration.ofMillis(1)), closeAfter(timedClose)))
                     .faultSeed(11).build());
             SocketChannel stalled = nonReader(server.address())) {
            long since = System.nanoTime();
            sendUntilOwed(server, stalled);
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
        Duration delay = Duration.ofMillis(QUIET.toMillis() + 300);
        FaultSpec[] faults = withTimedClose
                ? new FaultSpec[] {latency(delay), closeAfter(Duration.ofMinutes(1))}
                : new FaultSpec[] {latency(delay)};
        try (EchoServer server = startWith(Duration.ofSeconds(5), faults);
             Socket peer = connect(server.address())) {
            byte[] payload = Peers.randomBytes(100, 63);
            long sent = System.nanoTime();
            peer.getOutputStream().write(payload);
            await().atMost(BOUND).until(() -> server.metrics().queuedBytes() == payload.length);
            assertSleeps(server, 1, "bytes held by a latency of " + delay.toMillis() + " ms");
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
        try (EchoServer server = EchoServer.start(smallMarks().writeTimeout(writeTimeout)
                .faults(List.of(latency(Duration.ofMillis(1)))).faultSeed(11).build());
             SocketChannel stalled = nonReader(server.address())) {
            long since = System.nanoTime();
            sendUntilOwed(server, stalled);
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

    /** The records one class's logger publishes while open (the logger is held: JUL keeps loggers weakly). */
    private static final class CapturedLog implements AutoCloseable {
        private final Logger logger;
        private final List<LogRecord> records = new CopyOnWriteArrayList<>();
        private final Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                records.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };

        CapturedLog(Class<?> source) {
            logger = Logger.getLogger(source.getName());
            logger.addHandler(handler);
        }

        List<String> messages(Level level) {
            return records.stream().filter(r -> r.getLevel().equals(level)).map(LogRecord::getMessage).toList();
        }

        @Override
        public void close() {
            logger.removeHandler(handler);
        }
    }
}
