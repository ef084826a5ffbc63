package org.nioecho.server;

import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The wrong protocol on a port: plain text to the TLS port, TLS to the plain port. */
class TlsMisuseTest {
    @Test
    void plainTextOnTheTlsPortIsClosedAsNotTls() throws Exception {
        try (EchoServer server = TlsTestSupport.startTlsServer(Duration.ofSeconds(10));
             SocketChannel peer = Peers.connect(server.address())) {
            Peers.writeFully(peer, "GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals(-1, Peers.read(peer, new byte[64]), "the server echoed plain text or kept the connection");
            ServerMetrics metrics = server.metrics();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertEquals(1, metrics.closed(CloseCause.TLS_NOT_TLS)));
            assertEquals(0, metrics.closed(CloseCause.TLS_HANDSHAKE));
            assertEquals(0, metrics.closed(CloseCause.ERROR));
        }
    }

    @Test
    void tlsOnThePlainPortFailsClearlyAtTheClient() throws Exception {
        try (EchoServer server = EchoServer.start(ServerConfig.builder().port(0).build());
             SSLSocket socket = TlsTestSupport.tlsSocket(TlsTestSupport.trustingClient(), server.address(), 30_000)) {
            // The plain echo sends the ClientHello back: the client reads a ClientHello where a
            // ServerHello should be, and fails the handshake at once (no hang).
            SSLException failure = assertThrows(SSLException.class, socket::startHandshake);
            assertTrue(failure.getMessage() != null && !failure.getMessage().isBlank(), String.valueOf(failure));
            ServerMetrics metrics = server.metrics();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertEquals(1, metrics.closedTotal()));
            assertEquals(0, metrics.closed(CloseCause.ERROR));
        }
    }
}
