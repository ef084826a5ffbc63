package org.nioecho.server;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code --idle-timeout} in process, with a timeout short enough for mutation testing (the
 * process tests in the harness run the real command line): a silent peer is closed with cause
 * {@code idle}, never before the timeout; a peer that keeps sending is not; and with the write
 * timeout off, a peer that owes bytes and stopped reading is closed as idle, not as write-stalled.
 */
@Timeout(60)
class IdleTimeoutInProcessTest {
    private static final Duration IDLE = Duration.ofMillis(500);
    private static final Duration BOUND = Duration.ofSeconds(20);

    private static ServerConfig.Builder idleOnly() {
        return ServerConfig.builder().port(0).idleTimeout(IDLE).writeTimeout(Duration.ZERO);
    }

    /**
     * The busy peer sends a byte and reads its echo every ~10 ms while the silent one waits for
     * its EOF; the busy one would be closed only if the test thread itself stalled for the whole
     * idle timeout (the longest gap between its pings is in the message).
     */
    @Test
    void aSilentPeerIsClosedAsIdleNoSoonerThanTheTimeoutWhileABusyOneStays() throws Exception {
        try (EchoServer server = EchoServer.start(idleOnly().build());
             SocketChannel busy = Peers.connect(server.address())) {
            long silentSince = System.nanoTime(); // before the connect: the server's clock for it starts later
            long closedAfterNanos;
            long longestGapNanos = 0;
            try (SocketChannel silent = Peers.connect(server.address())) {
                silent.socket().setSoTimeout(10);
                byte[] one = {42};
                long lastPing = System.nanoTime();
                int read = 0;
                for (int turn = 0; turn < 2_000 && read == 0; turn++) {
                    Peers.writeFully(busy, one);
                    assertArrayEquals(one, Peers.readExactly(busy, 1), "the busy peer's echo");
                    long now = System.nanoTime();
                    longestGapNanos = Math.max(longestGapNanos, now - lastPing);
                    lastPing = now;
                    try {
                        read = Peers.read(silent, new byte[1]);
                    } catch (SocketTimeoutException e) {
                        // still open: ping again
                    }
                }
                closedAfterNanos = System.nanoTime() - silentSince;
                assertEquals(-1, read, "the silent peer got no EOF within 2,000 pings");
            }
            assertTrue(closedAfterNanos >= IDLE.toNanos(), "the silent peer was closed after "
                    + TimeUnit.NANOSECONDS.toMillis(closedAfterNanos) + " ms, before the idle timeout of " + IDLE.toMillis() + " ms");
            String gap = "; the busy peer's longest gap between pings: " + TimeUnit.NANOSECONDS.toMillis(longestGapNanos) + " ms";
            byte[] ping = {7, 8, 9};
            Peers.writeFully(busy, ping);
            assertArrayEquals(ping, Peers.readExactly(busy, ping.length), "the busy peer is still served" + gap);
            await().atMost(BOUND).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5))
                    .until(() -> server.metrics().closed(CloseCause.IDLE) == 1);
            assertEquals(1, server.metrics().closedTotal(), "only the silent peer is closed" + gap);
            assertEquals(1, server.metrics().active(), "the busy peer is open" + gap);
        }
    }

    /**
     * A peer that stopped reading: the server owes it bytes, is paused at the high-water mark
     * and reads nothing more, so no input arrives and the idle timeout ends it, with cause
     * {@code idle}: with {@code --write-timeout 0} the sweep never closes anyone as write-stalled.
     */
    @Test
    void withTheWriteTimeoutOffAPeerThatOwesIsClosedAsIdleNotAsWriteStalled() throws Exception {
        try (EchoServer server = EchoServer.start(idleOnly().highWaterBytes(8 * 1024).lowWaterBytes(2 * 1024)
                .sendBufferBytes(2048).build());
             SocketChannel peer = Peers.nonReader(server.address())) {
            ByteBuffer flood = ByteBuffer.wrap(Peers.randomBytes(4 << 20, 5));
            await().atMost(BOUND).pollInterval(Duration.ofMillis(2)).until(() -> {
                peer.write(flood);
                return server.metrics().queuedBytes() > 0 || server.metrics().closedTotal() > 0;
            });
            await().atMost(BOUND).until(() -> server.metrics().closedTotal() == 1);
            assertEquals(1, server.metrics().closed(CloseCause.IDLE), server.summary());
            assertEquals(0, server.metrics().closed(CloseCause.WRITE_TIMEOUT), server.summary());
            assertEquals(0, server.metrics().queuedBytes());
            assertEquals(0, server.metrics().outputMemoryBytes());
        }
    }
}
