package org.nioecho.server;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The reactor's timers in process, each fast enough for mutation testing: the write timeout
 * never fires early; the drain timeout and a cleared interrupt say so in one line each; the
 * reactor sleeps until its next deadline (no timeout on, a heartbeat, a peer waiting for
 * output memory). Timings are lower bounds only; "sleeps" counts the reactor's wake-ups
 * ({@link ReactorThreads#assertSleeps}), which a 1 ms select loop multiplies by hundreds.
 * The timers of faulted connections: {@link FaultTimersInProcessTest}.
 */
@Timeout(60)
class TimersInProcessTest {
    private static final Duration BOUND = Duration.ofSeconds(20);
    private static final byte[] FLOOD = Peers.randomBytes(4 << 20, 61);

    static ServerConfig.Builder smallMarks() {
        return ServerConfig.builder().port(0).idleTimeout(Duration.ZERO).writeTimeout(Duration.ZERO)
                .highWaterBytes(8 * 1024).lowWaterBytes(2 * 1024).sendBufferBytes(2048);
    }


    /** Sends without reading until the server owes {@code peer} bytes (or closed it). */
    static void sendUntilOwed(EchoServer server, SocketChannel peer) {
        ByteBuffer toSend = ByteBuffer.wrap(FLOOD);
        await().atMost(BOUND).pollInterval(Duration.ofMillis(2)).until(() -> {
            peer.write(toSend);
            return server.metrics().queuedBytes() > 0 || server.metrics().closedTotal() > 0;
        });
    }

    /** Waits out a quiet spell while {@code server} keeps {@code active} connections, and checks the reactor slept. */
    static void assertSleeps(EchoServer server, int active, String state) throws IOException {
        ReactorThreads.assertSleeps(() -> server.metrics().active() == active, state);
    }

    // ---- the sweep and the shutdown deadline ------------------------------------------------

    @Test
    void aWriteStalledPeerIsNeverClosedBeforeTheWriteTimeout() throws Exception {
        Duration writeTimeout = Duration.ofMillis(400);
        try (EchoServer server = EchoServer.start(smallMarks().writeTimeout(writeTimeout).build());
             SocketChannel stalled = Peers.nonReader(server.address())) {
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
             SocketChannel peer = Peers.nonReader(server.address())) {
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
             SocketChannel holder = Peers.nonReader(server.address());
             SocketChannel waiter = Peers.nonReader(server.address())) {
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
}
