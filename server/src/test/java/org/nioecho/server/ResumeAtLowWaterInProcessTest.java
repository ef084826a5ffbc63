package org.nioecho.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reading resumes exactly at the low-water mark: at the first write of the server that brings
 * what it owes down to the mark, not before (above the mark) and not later (e.g. only once
 * nothing is owed). The server's send buffer is 2 KiB (4.5 KiB in the kernel) and its peer has
 * the smallest receive window and reads at most 1 KiB at a time, so what is owed falls from
 * the high-water mark in small steps: one write takes at most what the send buffer has free
 * (measured: 1,152 or 2,304 bytes per write, in 25 runs, some under load). So a resume must
 * come with more than the low-water mark less {@code ONE_WRITE} still owed. The owed bytes at each pause
 * and resume come from the debug lines, written on the reactor thread at that instant.
 */
class ResumeAtLowWaterInProcessTest {
    private static final int HIGH_WATER = 64 * 1024;
    private static final int LOW_WATER = 32 * 1024;
    /** More than one write of the server can take: its 4.5 KiB send buffer and a segment more. */
    private static final int ONE_WRITE = 8 * 1024;
    private static final Duration BOUND = Duration.ofSeconds(20);
    private static final byte[] STREAM = Peers.randomBytes(1 << 20, 37);

    @Test
    @Timeout(60)
    void resumesAtTheFirstWriteThatReachesTheLowWaterMark() throws Exception {
        List<String> lines;
        try (CapturedLog log = new CapturedLog(Connection.class);
             EchoServer server = EchoServer.start(ServerConfig.builder().port(0)
                     .idleTimeout(Duration.ZERO).writeTimeout(Duration.ZERO).sendBufferBytes(2048)
                     .highWaterBytes(HIGH_WATER).lowWaterBytes(LOW_WATER).build());
             SocketChannel peer = Peers.nonReader(server.address())) {
            ByteBuffer toSend = ByteBuffer.wrap(STREAM);
            await().atMost(BOUND).pollInterval(Duration.ofMillis(2)).until(() -> {
                peer.write(toSend);
                return server.metrics().paused() == 1;
            });
            peer.shutdownOutput();
            peer.configureBlocking(true);
            byte[] echoed = readToEofInSmallReads(Peers.bounded(peer));
            assertEquals(toSend.position(), echoed.length, "echoed bytes");
            assertArrayEquals(Arrays.copyOf(STREAM, echoed.length), echoed);
            await().atMost(BOUND).until(() -> server.metrics().active() == 0);
            lines = log.lines();
        }
        List<Integer> pausedAt = CapturedLog.bytesOwedAt(lines, "reading paused");
        List<Integer> resumedAt = CapturedLog.bytesOwedAt(lines, "reading resumed");
        assertFalse(resumedAt.isEmpty(), "never resumed");
        assertTrue(pausedAt.stream().allMatch(owed -> owed == HIGH_WATER), "paused other than at the high-water mark: " + pausedAt);
        assertTrue(resumedAt.stream().allMatch(owed -> owed <= LOW_WATER), "resumed above the low-water mark: " + resumedAt);
        assertTrue(resumedAt.stream().allMatch(owed -> owed > LOW_WATER - ONE_WRITE),
                "resumed later than the first write to reach the low-water mark: " + resumedAt);
    }


    /** Reads up to EOF at most 1 KiB per read (blocking, each read bounded by SO_TIMEOUT). */
    private static byte[] readToEofInSmallReads(SocketChannel peer) throws IOException {
        InputStream in = peer.socket().getInputStream();
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] chunk = new byte[1024];
        for (int n; (n = in.read(chunk)) >= 0; ) {
            all.write(chunk, 0, n);
        }
        return all.toByteArray();
    }
}
