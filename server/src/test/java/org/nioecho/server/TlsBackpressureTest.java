package org.nioecho.server;

import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The plain echo's bounds hold for ciphertext: a TLS peer that writes and never reads is
 * paused at the high-water mark (the server holds at most that much ciphertext for it) and
 * closed by the write timeout.
 */
class TlsBackpressureTest {
    private static final int HIGH_WATER_BYTES = 64 * 1024;

    @Test
    void aTlsPeerThatNeverReadsIsPausedAtTheHighWaterMarkThenClosedByTheWriteTimeout() throws Exception {
        ServerConfig config = ServerConfig.builder().port(0).highWaterBytes(HIGH_WATER_BYTES).lowWaterBytes(32 * 1024)
                .writeTimeout(Duration.ofSeconds(2)).tls(TlsConfig.ephemeral(Duration.ofSeconds(10))).build();
        try (EchoServer server = EchoServer.start(config);
             java.net.Socket raw = new java.net.Socket()) {
            // The raw socket is closed last, without close_notify: SSLSocket.close() would wait
            // for the blocked writer's lock if the server never closed.
            raw.connect(server.address(), 10_000);
            raw.setSoTimeout(30_000);
            SSLSocket socket = (SSLSocket) TlsTestSupport.trustingClient().getSocketFactory()
                    .createSocket(raw, "localhost", server.address().getPort(), false);
            socket.getSession(); // handshake
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                byte[] block = new byte[16 * 1024];
                try {
                    OutputStream out = socket.getOutputStream();
                    for (int i = 0; i < 64 * 1024; i++) { // 1 GiB at most: it blocks long before
                        out.write(block);
                    }
                } catch (IOException e) {
                    // expected: the server closes the connection
                }
            }, task -> new Thread(task, "tls-test-writer").start());
            ServerMetrics metrics = server.metrics();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertEquals(1, metrics.paused()));
            assertTrue(metrics.queuedBytes() <= HIGH_WATER_BYTES, "holds " + metrics.queuedBytes() + " bytes of ciphertext");
            assertTrue(metrics.outputMemoryBytes() <= HIGH_WATER_BYTES, "output memory " + metrics.outputMemoryBytes());
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertEquals(1, metrics.closed(CloseCause.WRITE_TIMEOUT)));
            assertEquals(0, metrics.paused());
            assertEquals(0, metrics.queuedBytes());
            writer.get(30, TimeUnit.SECONDS);
        }
    }
}
