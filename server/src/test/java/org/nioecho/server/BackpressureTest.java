package org.nioecho.server;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Arrays;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A peer that sends and never reads costs at most the high-water mark and slows nobody. */
class BackpressureTest {
    private static final int HIGH_WATER = 64 * 1024;

    @Test
    void peerThatNeverReadsIsCappedAtTheHighWaterMarkAndOthersAreStillServed() throws Exception {
        ServerConfig config = ServerConfig.builder().port(0).lowWaterBytes(32 * 1024).highWaterBytes(HIGH_WATER).build();
        try (EchoServer server = EchoServer.start(config);
             SocketChannel hog = Peers.connect(server.address())) {
            hog.configureBlocking(false);
            byte[] stream = Peers.randomBytes(32 << 20, 11);
            ByteBuffer toSend = ByteBuffer.wrap(stream);
            // Send without reading until the server stops reading this peer.
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                hog.write(toSend);
                return server.metrics().paused() == 1;
            });
            assertTrue(toSend.hasRemaining(), "the peer should have been stopped before sending 32 MiB");
            assertTrue(server.metrics().queuedBytes() <= HIGH_WATER,
                    "queued " + server.metrics().queuedBytes() + " bytes, more than the high-water mark");

            // Meanwhile another peer gets its echo, in full.
            byte[] payload = Peers.randomBytes(1 << 20, 12);
            assertArrayEquals(payload, Peers.echo(server.address(), payload));
            assertTrue(server.metrics().queuedBytes() <= HIGH_WATER);

            // Once the hog reads, everything it sent comes back, byte for byte.
            int sent = toSend.position();
            ByteArrayOutputStream echoed = new ByteArrayOutputStream(sent);
            ByteBuffer in = ByteBuffer.allocate(256 * 1024);
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                int n = hog.read(in);
                echoed.write(in.array(), 0, Math.max(n, 0));
                in.clear();
                return echoed.size() >= sent;
            });
            assertEquals(sent, echoed.size());
            assertArrayEquals(Arrays.copyOf(stream, sent), echoed.toByteArray());
            assertTrue(server.metrics().queuedBytes() <= HIGH_WATER);
        }
    }
}
