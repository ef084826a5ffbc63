package org.nioecho.bench;

import org.junit.jupiter.api.Test;
import org.nioecho.server.EchoServer;
import org.nioecho.server.ServerConfig;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IdleConnectionsTest {
    @Test
    void holdsVerifiedConnectionsUntilClosed() throws IOException {
        try (EchoServer server = EchoServer.start(ServerConfig.builder().port(0).build())) {
            try (IdleConnections idle = IdleConnections.open(server.address(), 200, Duration.ofSeconds(30))) {
                assertEquals(200, idle.held());
                assertEquals(0, idle.failed(), idle.failures().toString());
                await().atMost(Duration.ofSeconds(10)).until(() -> server.metrics().active() == 200
                        && server.metrics().bytesSent() == 200); // one probe byte echoed per connection
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> server.metrics().active() == 0);
        }
    }

    /** The port is held (bound, not listening) while we connect, so nothing else can listen on it meanwhile. */
    @Test
    void countsRefusedConnectionsInsteadOfThrowing() throws IOException {
        try (Socket held = new Socket()) {
            held.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            try (IdleConnections idle = IdleConnections.open(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                    held.getLocalPort()), 5, Duration.ofSeconds(10))) {
                assertEquals(0, idle.held());
                assertEquals(5, idle.failures().get("refused"), idle.failures().toString());
                assertEquals(5, idle.failed());
            }
        }
    }
}
