package org.nioecho.server;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nioecho.kernel.TcpState;

import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.time.Duration;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class AcceptTest {
    private EchoServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static void assertServes(EchoServer server) throws Exception {
        byte[] payload = Peers.randomBytes(10_000, 3);
        assertArrayEquals(payload, Peers.echo(server.address(), payload));
    }

    /** The notes' 6.1: Linux hands the dead connection to accept; the server counts it and goes on. */
    @Test
    void connectionResetBeforeAcceptIsCountedAndServingContinues() throws Exception {
        server = EchoServer.start(ServerConfig.builder().port(0).build());
        int port = server.address().getPort();
        server.pauseAccepting();
        int clientPort;
        try (SocketChannel client = Peers.connect(server.address())) {
            clientPort = Peers.localPort(client);
            // The handshake is complete: the connection waits in the listen queue.
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> Peers.serverSideStates(port, clientPort).contains(TcpState.ESTABLISHED));
            client.setOption(StandardSocketOptions.SO_LINGER, 0);
        } // RST before accept
        await().atMost(Duration.ofSeconds(10))
                .until(() -> !Peers.serverSideStates(port, clientPort).contains(TcpState.ESTABLISHED));
        server.resumeAccepting();
        await().atMost(Duration.ofSeconds(10)).until(() ->
                server.metrics().closed(CloseCause.RESET) + server.metrics().acceptErrors(AcceptError.ABORTED) == 1);
        assertEquals(0, server.metrics().closed(CloseCause.ERROR));
        assertEquals(0, server.metrics().acceptErrors(AcceptError.OTHER));
        assertServes(server);
    }

    @Test
    void connectionsOverTheLimitAreAcceptedAndClosedAtOnce() throws Exception {
        server = EchoServer.start(ServerConfig.builder().port(0).maxConnections(2).build());
        try (SocketChannel first = Peers.connect(server.address());
             SocketChannel second = Peers.connect(server.address())) {
            for (SocketChannel peer : new SocketChannel[] {first, second}) {
                Peers.writeFully(peer, new byte[] {9});
                Peers.readExactly(peer, 1);
            }
            try (SocketChannel third = Peers.connect(server.address())) {
                assertEquals(-1, Peers.read(third, new byte[1]), "the third peer should be closed at once");
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> server.metrics().closed(CloseCause.REJECTED) == 1);
            assertEquals(2, server.metrics().active());
            Peers.writeFully(first, new byte[] {7});
            assertArrayEquals(new byte[] {7}, Peers.readExactly(first, 1));
        }
    }

    /** An interrupt (the notes' EINTR) does not close the listening socket nor stop the loop. */
    @Test
    void interruptedReactorKeepsItsListeningSocketAndServes() throws Exception {
        server = EchoServer.start(ServerConfig.builder().port(0).build());
        assertServes(server);
        server.interruptReactor();
        assertServes(server);
        server.interruptReactor();
        server.interruptReactor();
        assertServes(server);
        await().atMost(Duration.ofSeconds(10)).until(() -> server.metrics().closed(CloseCause.EOF) == 3);
    }
}
