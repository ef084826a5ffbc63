package org.nioecho.server;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** The client's shutdownOutput: everything owed still arrives, then EOF, and the server closes. */
class HalfCloseTest {
    @Test
    void deliversEverythingOwedThenEof() throws Exception {
        try (EchoServer server = EchoServer.start(ServerConfig.builder().port(0).build())) {
            byte[] payload = Peers.randomBytes(4 << 20, 5);
            byte[] echoed = Peers.echo(server.address(), payload); // half-closes after sending, reads to EOF
            assertArrayEquals(payload, echoed);
            await().atMost(Duration.ofSeconds(10)).until(() -> server.metrics().closed(CloseCause.EOF) == 1);
            await().atMost(Duration.ofSeconds(10)).until(() -> Peers.serverSideStates(server.address().getPort()).isEmpty());
        }
    }
}
