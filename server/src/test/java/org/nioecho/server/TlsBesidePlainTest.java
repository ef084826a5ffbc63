package org.nioecho.server;

import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLSocket;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TLS is a property of a listener ({@code --tls-listen}): one server, a plain listener and a TLS
 * one side by side, each speaking its own protocol, on one reactor and on two.
 */
class TlsBesidePlainTest {
    @Test
    void aPlainAndATlsListenerServeSideBySide() throws Exception {
        sideBySide(1);
    }

    @Test
    void sideBySideOnTwoReactorsToo() throws Exception {
        sideBySide(2);
    }

    private static void sideBySide(int reactors) throws Exception {
        ServerConfig config = ServerConfig.builder().reactors(reactors).tls(TlsConfig.ephemeral(Duration.ofSeconds(10))).build();
        InetSocketAddress loopback = new InetSocketAddress("127.0.0.1", 0);
        Listeners listeners = Listeners.bind(List.of(loopback), List.of(loopback), config.backlog(), false);
        try (EchoServer server = EchoServer.start(config, listeners, null)) {
            InetSocketAddress plain = server.addresses().get(0);
            InetSocketAddress tls = server.addresses().get(1);
            assertFalse(listeners.isTls(plain), "the plain listener is reported as TLS");
            assertTrue(listeners.isTls(tls), "the TLS listener is reported as plain");
            byte[] payload = Peers.randomBytes(256 << 10, 3);
            for (int round = 0; round < 4; round++) { // with two reactors, both get connections of each kind
                try (SocketChannel peer = Peers.connect(plain)) {
                    Peers.writeFully(peer, payload);
                    assertArrayEquals(payload, Peers.readExactly(peer, payload.length), "plain echo");
                }
                try (SSLSocket socket = TlsTestSupport.tlsSocket(TlsTestSupport.trustingClient(), tls, 30_000)) {
                    socket.startHandshake();
                    java.util.concurrent.CompletableFuture<Void> written = TlsTestSupport.writeAll(socket.getOutputStream(), payload);
                    assertArrayEquals(payload, TlsTestSupport.readN(socket.getInputStream(), payload.length)
                            .get(30, java.util.concurrent.TimeUnit.SECONDS), "TLS echo");
                    written.get(30, java.util.concurrent.TimeUnit.SECONDS);
                }
            }
            ServerMetrics metrics = server.metrics();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertEquals(8, metrics.closedTotal()));
            assertEquals(4, metrics.tls().handshakesCompleted(), "one handshake per TLS connection, none on the plain port");
            assertEquals(0, metrics.closed(CloseCause.TLS_NOT_TLS));
            assertEquals(0, metrics.closed(CloseCause.ERROR));
        }
    }
}
