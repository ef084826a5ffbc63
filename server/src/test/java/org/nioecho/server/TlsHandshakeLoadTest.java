package org.nioecho.server;

import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hundreds of TLS handshakes at once, beside one peer that stalls in the middle of its
 * ClientHello: every other handshake completes and echoes, and the stalled one is closed by
 * the handshake timeout (reason {@code timeout}), not by anything else.
 */
class TlsHandshakeLoadTest {
    private static final int CLIENTS = 200;
    private static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(8);

    @Test
    void manyHandshakesCompleteWhileAStalledPeerIsClosedByTheHandshakeTimeout() throws Exception {
        try (EchoServer server = TlsTestSupport.startTlsServer(HANDSHAKE_TIMEOUT)) {
            InetSocketAddress address = server.address();
            SocketChannel stalled = Peers.connect(address);
            // A TLS handshake record header, then nothing: the server waits for the rest.
            stalled.write(ByteBuffer.wrap(new byte[] {0x16, 0x03, 0x01}));

            SSLContext context = TlsTestSupport.trustingClient();
            ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
            try {
                CountDownLatch go = new CountDownLatch(1);
                List<Future<byte[]>> echoes = new ArrayList<>();
                for (int i = 0; i < CLIENTS; i++) {
                    byte[] message = ("client " + i + "\n").getBytes(StandardCharsets.US_ASCII);
                    echoes.add(clients.submit(() -> {
                        try (SSLSocket socket = TlsTestSupport.tlsSocket(context, address, 60_000)) {
                            if (!go.await(60, TimeUnit.SECONDS)) {
                                throw new IllegalStateException("never started");
                            }
                            socket.startHandshake();
                            OutputStream out = socket.getOutputStream();
                            out.write(message);
                            out.flush();
                            InputStream in = socket.getInputStream();
                            byte[] echoed = in.readNBytes(message.length);
                            assertArrayEquals(message, echoed);
                            return echoed;
                        }
                    }));
                }
                go.countDown();
                for (Future<byte[]> echo : echoes) {
                    echo.get(120, TimeUnit.SECONDS);
                }
            } finally {
                clients.shutdownNow();
                assertTrue(clients.awaitTermination(30, TimeUnit.SECONDS));
            }
            TlsMetrics tls = server.metrics().tls();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertEquals(CLIENTS, tls.handshakesCompleted()));

            // The stalled peer: closed by the server (EOF here) once the timeout has run.
            assertEquals(-1, Peers.read(stalled, new byte[16]), "the stalled peer was not closed");
            stalled.close();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertEquals(1, tls.handshakesFailed("timeout")));
            assertEquals(1, server.metrics().closed(CloseCause.TLS_HANDSHAKE));
            assertEquals(0, tls.handshakesFailed("other"));
        }
    }
}
