package org.nioecho.server;

import org.junit.jupiter.api.Test;

import java.nio.channels.SocketChannel;
import java.time.Duration;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** The client's shutdownOutput: everything owed still arrives, then EOF, and the server closes. */
class HalfCloseTest {
    @Test
    void deliversEverythingOwedThenEof() throws Exception {
        try (EchoServer server = EchoServer.start(ServerConfig.builder().port(0).build())) {
            byte[] payload = Peers.randomBytes(4 << 20, 5);
            int clientPort;
            try (SocketChannel client = Peers.connect(server.address())) {
                clientPort = Peers.localPort(client);
                byte[] echoed = Peers.echo(client, payload); // half-closes after sending, reads to EOF
                assertArrayEquals(payload, echoed);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> server.metrics().closed(CloseCause.EOF) == 1);
            int port = server.address().getPort();
            await().atMost(Duration.ofSeconds(10)).until(() -> Peers.serverSideStates(port, clientPort).isEmpty());
        }
    }
}
