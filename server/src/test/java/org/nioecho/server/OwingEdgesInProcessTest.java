package org.nioecho.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nioecho.kernel.TcpState;
import org.nioecho.kernel.TcpTable;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The edges of the owing path that only the megabyte tests ({@link BackpressurePauseTest},
 * {@link HalfCloseTest}, {@link DisconnectTest}, {@link ServerLifecycleTest}) reached, in
 * kilobytes for mutation testing: a server send buffer of 2 KiB ({@code --send-buffer}, 4.5 KiB
 * in the kernel) and a peer with the smallest receive window make the server owe after a few
 * KiB. A low-water mark of 0; bytes owed after a single read; the output buffer growing;
 * shutdown while paused, while owing below the mark, and with faults holding bytes back; an
 * RST while owing, while waiting for the output budget and while lingering; the budget's
 * queue of waiters; the input dropped before a fault's close.
 */
class OwingEdgesInProcessTest {
    private static final int HIGH_WATER = 8 * 1024;
    private static final int LOW_WATER = 2 * 1024;
    private static final Duration BOUND = Duration.ofSeconds(20);
    private static final Duration QUIET = Duration.ofMillis(500);
    private static final byte[] STREAM = Peers.randomBytes(1 << 20, 51);

    /** The reactor's counters, read on the reactor thread (so all from the same instant). */
    private record Snapshot(long received, long sent, long queued, int paused, long outputMemory) {
    }

    /** Runs after every task sent to the reactor before it (one reactor: tasks run in order). */
    private static Snapshot snapshot(EchoServer server) throws InterruptedException {
        Snapshot[] taken = new Snapshot[1];
        CountDownLatch done = new CountDownLatch(1);
        server.reactor().execute(() -> {
            ServerMetrics m = server.metrics();
            taken[0] = new Snapshot(m.bytesReceived, m.bytesSent, m.queuedBytes, m.paused, m.outputMemoryBytes());
            done.countDown();
        });
        assertTrue(done.await(10, TimeUnit.SECONDS), "the reactor did not run a task within 10 s");
        return taken[0];
    }

    private static ServerConfig.Builder smallMarks() {
        return ServerConfig.builder().port(0).idleTimeout(Duration.ZERO).writeTimeout(Duration.ZERO)
                .highWaterBytes(HIGH_WATER).lowWaterBytes(LOW_WATER).sendBufferBytes(2048);
    }


    /** Sends without reading until the server has paused reading; returns what was sent. */
    private static ByteBuffer sendUntilPaused(EchoServer server, SocketChannel peer) {
        ByteBuffer toSend = ByteBuffer.wrap(STREAM);
        await().atMost(BOUND).pollInterval(Duration.ofMillis(2)).until(() -> {
            peer.write(toSend);
            return server.metrics().paused() == 1;
        });
        return toSend;
    }

    /** Closes {@code peer} with RST ({@code SO_LINGER} 0). */
    private static void abort(SocketChannel peer) throws IOException {
        peer.setOption(StandardSocketOptions.SO_LINGER, 0);
        peer.close();
    }

    /** The state of the socket at {@code localPort} connected to {@code remotePort}; empty once closed (or reset). */
    private static Optional<TcpState> state(int localPort, int remotePort) throws IOException {
        return TcpTable.read().stream()
                .filter(e -> e.local().getPort() == localPort && e.remote().getPort() == remotePort)
                .map(TcpTable.Entry::state).findFirst();
    }

    private static TcpTable.Entry serverSide(EchoServer server, SocketChannel peer) throws IOException {
        int port = server.address().getPort();
        int peerPort = Peers.localPort(peer);
        return TcpTable.read().stream()
                .filter(e -> e.local().getPort() == port && e.remote().getPort() == peerPort)
                .findFirst().orElseThrow(() -> new AssertionError("no server socket for port " + peerPort));
    }

    /** Reads up to the peer's EOF (blocking, each read bounded) and checks it is the first {@code sent} bytes of the stream. */
    private static void readEchoToEof(SocketChannel peer, long sent) throws IOException {
        peer.setOption(StandardSocketOptions.SO_RCVBUF, 64 * 1024);
        peer.configureBlocking(true);
        byte[] echoed = Peers.readToEof(Peers.bounded(peer));
        assertEquals(sent, echoed.length, "echoed bytes");
        assertArrayEquals(Arrays.copyOf(STREAM, (int) sent), echoed);
    }

    /**
     * A low-water mark of 0 resumes once everything owed is sent. Reads of at most 4 KiB make
     * the output buffer start in the 4 KiB class and grow into the 8 KiB one; at the end every
     * buffer is back and the bytes sent are the bytes received.
     */
    @Test
    @Timeout(60)
    void aLowWaterMarkOfZeroResumesOnceEverythingIsSentAndTheGrownBufferIsReturned() throws Exception {
        try (EchoServer server = EchoServer.start(smallMarks().lowWaterBytes(0).readBufferBytes(4096).build());
             SocketChannel peer = Peers.nonReader(server.address())) {
            ByteBuffer toSend = sendUntilPaused(server, peer);
            peer.shutdownOutput();
            readEchoToEof(peer, toSend.position());
            await().atMost(BOUND).until(() -> server.metrics().active() == 0);
            Snapshot end = snapshot(server);
            assertEquals(toSend.position(), end.received());
            assertEquals(end.received(), end.sent(), "bytes sent");
            assertEquals(0, end.queued());
            assertEquals(0, end.paused());
            assertEquals(0, end.outputMemory(), "every output buffer returned, the outgrown ones too");
            assertEquals(1, server.metrics().closed(CloseCause.EOF));
        }
    }

    /** Bytes owed after one read are sent when the peer reads, though it sends nothing more. */
    @Test
    @Timeout(60)
    void bytesOwedAfterASingleReadAreSentWithoutFurtherInput() throws Exception {
        int size = 32 * 1024;
        try (EchoServer server = EchoServer.start(smallMarks().highWaterBytes(size).lowWaterBytes(size / 4).build());
             SocketChannel peer = SocketChannel.open()) {
            peer.setOption(StandardSocketOptions.SO_RCVBUF, 1024);
            peer.connect(server.address());
            Peers.writeFully(peer, Arrays.copyOf(STREAM, size)); // one write: one read on the server
            await().atMost(BOUND).until(() -> server.metrics().bytesReceived() == size && server.metrics().queuedBytes() > 0);
            peer.setOption(StandardSocketOptions.SO_RCVBUF, 64 * 1024);
            assertArrayEquals(Arrays.copyOf(STREAM, size), Peers.readExactly(Peers.bounded(peer), size));
            assertEquals(size, server.metrics().bytesReceived(), "the peer sent nothing more");
        }
    }

    /** Shutdown while paused: no longer counted as paused (it will never read again), then the drain. */
    @Test
    @Timeout(60)
    void shutdownWhilePausedIsNotPausedAnyMoreAndDrains() throws Exception {
        EchoServer server = EchoServer.start(smallMarks().drainTimeout(BOUND).build());
        try (SocketChannel peer = Peers.nonReader(server.address())) {
            sendUntilPaused(server, peer);
            long received = snapshot(server).received();
            server.shutdown();
            Snapshot shutDown = snapshot(server);
            assertEquals(0, shutDown.paused(), "still paused after the shutdown began");
            assertTrue(shutDown.queued() > 0, "the peer read nothing: the bytes are still owed");
            readEchoToEof(peer, received);
            peer.close();
            assertTrue(server.awaitTermination(BOUND), "the server did not end after the drain");
            assertEquals(1, server.metrics().closed(CloseCause.SHUTDOWN));
            assertEquals(0, server.metrics().outputMemoryBytes());
        } finally {
            server.close();
        }
    }

    /**
     * Shutdown while owing below the high-water mark (so still reading): the server stops
     * reading at once; what the peer sends afterwards waits unread, and only what came before
     * is echoed.
     */
    @Test
    @Timeout(60)
    void shutdownWhileOwingBelowTheMarkReadsNothingMore() throws Exception {
        EchoServer server = EchoServer.start(smallMarks().highWaterBytes(256 * 1024).lowWaterBytes(64 * 1024)
                .drainTimeout(BOUND).build());
        try (SocketChannel peer = Peers.nonReader(server.address())) {
            ByteBuffer toSend = ByteBuffer.wrap(STREAM, 0, 128 * 1024);
            await().atMost(BOUND).pollInterval(Duration.ofMillis(2)).until(() -> {
                peer.write(toSend);
                return server.metrics().queuedBytes() > 0;
            });
            await().atMost(BOUND).until(() -> server.metrics().bytesReceived() == toSend.position());
            Snapshot owing = snapshot(server);
            assertEquals(0, owing.paused(), "paused below the high-water mark");
            server.shutdown();
            Snapshot shutDown = snapshot(server);
            ByteBuffer after = ByteBuffer.wrap(Peers.randomBytes(8192, 52));
            await().atMost(BOUND).pollInterval(Duration.ofMillis(10))
                    .failFast("the server read after the shutdown began", () -> server.metrics().bytesReceived() != shutDown.received())
                    .until(() -> {
                        peer.write(after);
                        return serverSide(server, peer).receiveQueue() >= 4096;
                    });
            readEchoToEof(peer, shutDown.received());
            peer.close();
            assertTrue(server.awaitTermination(BOUND), "the server did not end after the drain");
            assertEquals(shutDown.received(), server.metrics().bytesReceived());
            assertEquals(1, server.metrics().closed(CloseCause.SHUTDOWN));
        } finally {
            server.close();
        }
    }

    /**
     * Shutdown with faults holding every byte (a latency of an hour) while paused at the
     * high-water mark: the faults are lifted, the connection is no longer paused, and the peer
     * gets everything the server read, then EOF.
     */
    @Test
    @Timeout(60)
    void shutdownLiftsTheFaultsAndDrainsWhatTheyHeld() throws Exception {
        EchoServer server = EchoServer.start(smallMarks().highWaterBytes(16 * 1024).drainTimeout(BOUND)
                .faults(List.of(FaultInjectionTest.latency(Duration.ofHours(1), Duration.ZERO))).faultSeed(11).build());
        try (SocketChannel peer = Peers.nonReader(server.address())) {
            sendUntilPaused(server, peer);
            Snapshot held = snapshot(server);
            assertEquals(0, held.sent(), "the latency let bytes through");
            server.shutdown();
            Snapshot shutDown = snapshot(server);
            assertEquals(0, shutDown.paused(), "still paused after the shutdown began");
            readEchoToEof(peer, held.received());
            peer.close();
            assertTrue(server.awaitTermination(BOUND), "the server did not end after the drain");
            assertEquals(1, server.metrics().closed(CloseCause.SHUTDOWN));
            assertEquals(0, server.metrics().outputMemoryBytes());
        } finally {
            server.close();
        }
    }

    /**
     * With a budget of one 4 KiB buffer: a holder owing its whole buffer and a peer waiting for
     * the budget (its input unread) both reset. The holder's write fails, which closes it and
     * frees the budget; the waiter then reads its input, and its write fails too. Both close
     * as {@code reset}, nothing stays queued or borrowed.
     */
    @Test
    @Timeout(60)
    void aHolderAndAWaiterThatResetAreClosedAsReset() throws Exception {
        try (EchoServer server = EchoServer.start(smallMarks().highWaterBytes(4096).lowWaterBytes(1024)
                .maxOutputMemoryBytes(4096).pressureWriteTimeout(Duration.ZERO).build());
             SocketChannel holder = Peers.nonReader(server.address());
             SocketChannel waiter = Peers.connect(server.address())) {
            ByteBuffer toSend = ByteBuffer.wrap(STREAM);
            await().atMost(BOUND).pollInterval(Duration.ofMillis(2)).until(() -> {
                holder.write(toSend);
                return server.metrics().outputMemoryBytes() == 4096;
            });
            Peers.writeFully(waiter, new byte[100]);
            await().atMost(BOUND).until(() -> server.metrics().budgetPauses() == 1);
            int waiterPort = Peers.localPort(waiter);
            abort(waiter);
            // The server does not watch the waiting socket: the kernel's table shows the reset.
            await().atMost(BOUND).until(() -> state(server.address().getPort(), waiterPort).isEmpty());
            assertEquals(0, server.metrics().closedTotal(), "the waiter was closed while waiting");
            abort(holder);
            await().atMost(BOUND).until(() -> server.metrics().active() == 0);
            Snapshot end = snapshot(server);
            assertEquals(2, server.metrics().closed(CloseCause.RESET), "closed as reset");
            assertEquals(2, server.metrics().closedTotal());
            assertEquals(0, end.queued());
            assertEquals(0, end.outputMemory());
            assertEquals(0, end.paused());
        }
    }

    /**
     * A waiter for the budget closed while waiting does not hold up the ones behind it. A
     * budget of 8 KiB and reads of 4 KiB: no buffer can grow past 4 KiB (growing allocates
     * before it frees). A quiet holder owes a little in a 4 KiB buffer; a second peer fills its
     * 4 KiB buffer and waits for an 8 KiB one; a third waits for its first 4 KiB buffer. The
     * second resets: closed, its 4 KiB are free, enough for the third, not for the second.
     */
    @Test
    @Timeout(60)
    void aWaiterClosedWhileWaitingDoesNotHoldUpTheOnesBehindIt() throws Exception {
        try (EchoServer server = EchoServer.start(smallMarks().maxOutputMemoryBytes(HIGH_WATER).readBufferBytes(4096)
                .pressureWriteTimeout(Duration.ZERO).build());
             SocketChannel holder = Peers.nonReader(server.address());
             SocketChannel filler = Peers.nonReader(server.address());
             SocketChannel third = Peers.connect(server.address())) {
            byte[] chunk = Arrays.copyOf(STREAM, 1000);
            long sent = 0;
            for (int i = 0; i < 200 && server.metrics().queuedBytes() == 0; i++) {
                Peers.writeFully(holder, chunk);
                sent += chunk.length;
                long all = sent;
                await().atMost(BOUND).until(() -> server.metrics().bytesReceived() == all);
            }
            assertTrue(server.metrics().queuedBytes() > 0, "the holder owes nothing after " + sent + " bytes");
            assertEquals(4096, server.metrics().outputMemoryBytes(), "the holder's buffer");

            ByteBuffer toSend = ByteBuffer.wrap(STREAM);
            await().atMost(BOUND).pollInterval(Duration.ofMillis(2)).until(() -> {
                filler.write(toSend);
                return server.metrics().budgetPauses() == 1;
            });
            assertEquals(HIGH_WATER, server.metrics().outputMemoryBytes(), "the holder's and the filler's buffers");
            byte[] ping = Peers.randomBytes(100, 53);
            Peers.writeFully(third, ping);
            await().atMost(BOUND).until(() -> server.metrics().budgetPauses() == 2);

            abort(filler);
            assertArrayEquals(ping, Peers.readExactly(third, ping.length), "the third peer's echo");
            assertEquals(1, server.metrics().closed(CloseCause.RESET));
        }
    }

    /**
     * While a peer waits for the budget with input unread, the reactor does not watch its
     * socket: it sleeps in select rather than waking for that input again and again.
     */
    @Test
    @Timeout(60)
    void aPeerWaitingForTheBudgetDoesNotKeepTheReactorBusy() throws Exception {
        try (EchoServer server = EchoServer.start(smallMarks().highWaterBytes(4096).lowWaterBytes(1024)
                .maxOutputMemoryBytes(4096).pressureWriteTimeout(Duration.ZERO).build());
             SocketChannel holder = Peers.nonReader(server.address());
             SocketChannel waiter = Peers.connect(server.address())) {
            ByteBuffer toSend = ByteBuffer.wrap(STREAM);
            await().atMost(BOUND).pollInterval(Duration.ofMillis(2)).until(() -> {
                holder.write(toSend);
                return server.metrics().paused() == 1;
            });
            Peers.writeFully(waiter, new byte[100]);
            await().atMost(BOUND).until(() -> server.metrics().budgetPauses() == 1);
            long busyBefore = ReactorQuietTest.reactorBusyNanos();
            long wallBefore = System.nanoTime();
            long received = server.metrics().bytesReceived();
            await().during(QUIET).atMost(QUIET.multipliedBy(10)).until(() -> server.metrics().bytesReceived() == received);
            long busyMs = TimeUnit.NANOSECONDS.toMillis(ReactorQuietTest.reactorBusyNanos() - busyBefore);
            long wallMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - wallBefore);
            assertTrue(busyMs < wallMs / 2, "the reactor spun: running or runnable " + busyMs + " ms of " + wallMs + " ms");
        }
    }

    /** An RST while the server lingers after its FIN (shutdown) closes the connection as {@code reset}. */
    @Test
    @Timeout(60)
    void aResetWhileLingeringClosesAsReset() throws Exception {
        EchoServer server = EchoServer.start(smallMarks().drainTimeout(BOUND).build());
        try (SocketChannel peer = Peers.connect(server.address())) {
            await().atMost(BOUND).until(() -> server.metrics().active() == 1);
            server.shutdown();
            assertEquals(-1, Peers.read(peer, new byte[16]), "the server's FIN");
            abort(peer);
            assertTrue(server.awaitTermination(BOUND), "the server did not end after the reset");
            assertEquals(1, server.metrics().closed(CloseCause.RESET), "closed as reset");
            assertEquals(0, server.metrics().closed(CloseCause.SHUTDOWN));
        } finally {
            server.close();
        }
    }

    /**
     * A fault's close drops the input that has arrived (up to 16 reads), so the close sends FIN,
     * not RST: with reads of 1 KiB, the 3 KiB − 1 left waiting are dropped and the peer's
     * socket is left in CLOSE_WAIT.
     */
    @Test
    @Timeout(60)
    void aFaultCloseDropsTheInputThatArrivedSoThePeerGetsAFin() throws Exception {
        AfterFaultClose after = afterAFaultClose(1024, 3 * 1024);
        assertEquals(1, after.firstRead(), "the one byte the fault lets through");
        assertEquals(Optional.of(TcpState.CLOSE_WAIT), after.peerState(), "reset, not FIN");
    }

    /**
     * The drop is bounded: 16 reads. Half a read buffer more than that is left unread, which makes
     * the close an RST (the peer's socket is gone).
     */
    @Test
    @Timeout(60)
    void aFaultCloseDropsAtMostSixteenReadsOfInput() throws Exception {
        assertEquals(Optional.empty(), afterAFaultClose(64, 1 + 16 * 64 + 32).peerState(), "FIN, not reset");
    }

    /**
     * A peer that sends and resets while a stall (at once) keeps the server from watching its
     * socket; then a timed close comes due: dropping the input reads the bytes, then the reset,
     * and the connection closes as {@code reset}, not as the fault's close.
     */
    @Test
    @Timeout(60)
    void aResetFoundWhileDroppingTheInputBeforeAFaultCloseClosesAsReset() throws Exception {
        try (EchoServer server = EchoServer.start(ServerConfig.builder().port(0).faults(List.of(
                        FaultInjectionTest.afterBytes(FaultKind.STALL, 0),
                        FaultInjectionTest.afterTime(FaultKind.CLOSE, Duration.ofSeconds(1)))).faultSeed(11).build());
             SocketChannel peer = Peers.connect(server.address())) {
            int peerPort = Peers.localPort(peer);
            await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5)).atMost(BOUND)
                    .until(() -> server.metrics().active() == 1);
            Peers.writeFully(peer, new byte[100]);
            abort(peer);
            await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5)).atMost(BOUND)
                    .until(() -> state(server.address().getPort(), peerPort).isEmpty());
            assumeTrue(server.metrics().closedTotal() == 0, "the timed close came before the reset (a very slow machine)");
            await().atMost(BOUND).until(() -> server.metrics().closedTotal() == 1);
            assertEquals(0, snapshot(server).received(), "a stalled connection was read");
            assertEquals(1, server.metrics().closed(CloseCause.RESET), "closed as reset");
        }
    }

    /** What the peer's first read returned (-2 for a failure) and its socket's state once the server closed. */
    private record AfterFaultClose(int firstRead, Optional<TcpState> peerState) {
    }

    /**
     * {@code close:after=1}: of {@code input} (sent in one write) the first read takes the one
     * byte the fault lets through, which is echoed; then the fault closes.
     */
    private static AfterFaultClose afterAFaultClose(int readBuffer, int input) throws Exception {
        try (EchoServer server = EchoServer.start(ServerConfig.builder().port(0).readBufferBytes(readBuffer)
                .faults(List.of(FaultInjectionTest.afterBytes(FaultKind.CLOSE, 1))).faultSeed(11).build());
             SocketChannel peer = Peers.connect(server.address())) {
            Peers.writeFully(peer, Arrays.copyOf(STREAM, input));
            byte[] first = new byte[16];
            int n;
            try {
                n = Peers.read(peer, first);
            } catch (IOException e) {
                n = -2;
            }
            assertTrue(n != 1 || first[0] == STREAM[0], "not the first byte");
            await().atMost(BOUND).until(() -> server.metrics().closed(CloseCause.FAULT) == 1);
            return new AfterFaultClose(n, state(Peers.localPort(peer), server.address().getPort()));
        }
    }
}
