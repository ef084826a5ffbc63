package org.nioecho.server;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nioecho.kernel.TcpState;
import org.nioecho.kernel.TcpTable;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.time.Duration;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The notes' disconnect cases, each observed on real sockets and mapped to one cause. */
class DisconnectTest {
    private EchoServer server;

    private EchoServer start(ServerConfig.Builder config) throws Exception {
        server = EchoServer.start(config.port(0).build());
        return server;
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void peerFinIsEofAndLeavesNoServerSocketInCloseWait() throws Exception {
        start(ServerConfig.builder());
        int port = server.address().getPort();
        int clientPort;
        try (SocketChannel client = Peers.connect(server.address())) {
            clientPort = Peers.localPort(client);
            byte[] hello = "hello\n".getBytes();
            Peers.writeFully(client, hello);
            assertArrayEquals(hello, Peers.readExactly(client, hello.length));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> server.metrics().closed(CloseCause.EOF) == 1);
        // The kernel's view: the server's side is gone (no CLOSE_WAIT, no LAST_ACK left);
        // the client, which closed first, holds the TIME_WAIT.
        await().atMost(Duration.ofSeconds(10)).until(() -> Peers.serverSideStates(port, clientPort).isEmpty());
        assertTrue(TcpTable.onPort(port).stream().anyMatch(e -> e.local().getPort() == clientPort
                        && e.remote().getPort() == port && e.state() == TcpState.TIME_WAIT),
                "the closing client should be in TIME_WAIT: " + TcpTable.onPort(port));
        assertEquals(0, server.metrics().active());
    }

    @Test
    void peerResetIsReset() throws Exception {
        start(ServerConfig.builder());
        try (SocketChannel client = Peers.connect(server.address())) {
            Peers.writeFully(client, new byte[] {1, 2, 3});
            Peers.readExactly(client, 3);
            client.setOption(StandardSocketOptions.SO_LINGER, 0); // close() now sends RST
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> server.metrics().closed(CloseCause.RESET) == 1);
        assertEquals(0, server.metrics().closed(CloseCause.ERROR));
        assertEquals(0, server.metrics().active());
    }

    /**
     * The notes' "second write": the peer closed (FIN) and is gone; the server's first
     * write draws an RST from the peer's kernel, its second write meets EPIPE.
     */
    @Test
    void writeAfterPeersResetIsBrokenPipe() throws Exception {
        start(ServerConfig.builder().readBufferBytes(4096));
        int port = server.address().getPort();
        server.pauseAccepting();
        int clientPort;
        try (SocketChannel client = Peers.connect(server.address())) {
            clientPort = Peers.localPort(client);
            Peers.writeFully(client, Peers.randomBytes(48 * 1024, 7));
        } // FIN follows the data; nothing unread on the client, so no RST yet
        // Data and FIN have reached the not-yet-accepted server socket.
        await().atMost(Duration.ofSeconds(10))
                .until(() -> Peers.serverSideStates(port, clientPort).contains(TcpState.CLOSE_WAIT));
        server.resumeAccepting();
        await().atMost(Duration.ofSeconds(10)).until(() -> server.metrics().closedTotal() == 1);
        assertEquals(1, server.metrics().closed(CloseCause.BROKEN_PIPE), server.metrics().summary());
    }

    /**
     * The lower bound follows from the behaviour: the server's clock for this peer starts
     * when it accepts it, after {@code connectingNanos}, so its EOF cannot come sooner than
     * the timeout after that.
     */
    @Test
    void idleConnectionIsClosedWithCauseIdleNoSoonerThanTheTimeout() throws Exception {
        Duration idleTimeout = Duration.ofMillis(400);
        start(ServerConfig.builder().idleTimeout(idleTimeout));
        long connectingNanos = System.nanoTime();
        try (SocketChannel idle = Peers.connect(server.address())) {
            idle.socket().setSoTimeout(10_000); // a server that never times out fails here, not after 60 s
            assertEquals(-1, Peers.read(idle, new byte[1]), "the idle peer should read EOF");
            Duration waited = Duration.ofNanos(System.nanoTime() - connectingNanos);
            assertTrue(waited.compareTo(idleTimeout) >= 0,
                    "closed after " + waited.toMillis() + " ms, before the idle timeout of " + idleTimeout.toMillis() + " ms");
            await().atMost(Duration.ofSeconds(10)).until(() -> server.metrics().closedTotal() == 1);
            assertEquals(1, server.metrics().closed(CloseCause.IDLE), server.metrics().summary());
            assertEquals(0, server.metrics().active());
        }
    }

    /**
     * Input resets the idle clock: a peer that keeps sending outlives several timeouts, while
     * an idle one beside it is closed. Only what happens while the busy peer is busy is
     * asserted: once it stops, it is idle too.
     */
    @Test
    void busyConnectionOutlivesSeveralIdleTimeoutsWhileAnIdleOneIsClosed() throws Exception {
        Duration idleTimeout = Duration.ofMillis(300);
        start(ServerConfig.builder().idleTimeout(idleTimeout));
        try (SocketChannel busy = Peers.connect(server.address());
             SocketChannel idle = Peers.connect(server.address())) {
            long startNanos = System.nanoTime();
            long endNanos = startNanos + 5 * idleTimeout.toNanos();
            int roundTrips = 0;
            boolean idleClosedMeanwhile = false;
            long lastSendNanos = startNanos;
            long longestGapNanos = 0;
            // Back-to-back one-byte round trips, bounded in count and time: far more often than the timeout.
            while (System.nanoTime() - endNanos < 0 && roundTrips < 500_000) {
                long sendNanos = System.nanoTime();
                longestGapNanos = Math.max(longestGapNanos, sendNanos - lastSendNanos);
                lastSendNanos = sendNanos;
                String roundTrip = "round trip " + roundTrips + " after " + (sendNanos - startNanos) / 1_000_000 + " ms";
                byte[] echo;
                try {
                    Peers.writeFully(busy, new byte[] {(byte) roundTrips});
                    echo = Peers.readExactly(busy, 1);
                } catch (IOException closed) {
                    // A stall of this JVM (both ends run in it) as long as the timeout leaves the busy
                    // peer idle for real: then the run proves nothing either way.
                    long stallNanos = Math.max(longestGapNanos, System.nanoTime() - sendNanos);
                    assumeTrue(stallNanos < idleTimeout.toNanos(), roundTrip + ": this JVM stalled for "
                            + stallNanos / 1_000_000 + " ms, the idle timeout or more; not a verdict");
                    throw new AssertionError(roundTrip + ": the busy peer was closed (" + closed.getMessage()
                            + ") though its input never paused for " + idleTimeout.toMillis() + " ms; " + server.metrics().summary(), closed);
                }
                assertEquals((byte) roundTrips, echo[0], roundTrip);
                roundTrips++;
                idleClosedMeanwhile |= server.metrics().closed(CloseCause.IDLE) > 0;
            }
            assertTrue(System.nanoTime() - endNanos >= 0, "the busy peer stopped after " + roundTrips + " round trips");
            assertTrue(idleClosedMeanwhile, "the idle peer was not closed while the busy one was served: "
                    + server.metrics().summary());
            idle.socket().setSoTimeout(10_000);
            assertEquals(-1, Peers.read(idle, new byte[1]), "the idle peer should read EOF");
            assertEquals(0, server.metrics().closed(CloseCause.ERROR));
        }
    }
}
