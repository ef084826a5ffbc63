package org.nioecho.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nioecho.kernel.TcpState;

import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sockets from a super-server ({@link Listeners#inherited}, {@link Listeners#inheritedDatagrams}),
 * handed in by the test as they would be by {@link System#inheritedChannel()}: at shutdown the
 * server stops accepting on them but leaves them open.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class InheritedListenersInProcessTest {
    private static final Duration BOUND = Duration.ofSeconds(10);

    /**
     * While the server drains, a peer still completes its handshake (the socket is open, the
     * kernel queues it) but is never accepted: the server ends with its last connection.
     */
    @Test
    void anInheritedListenerStopsAcceptingAtShutdownButStaysOpen() throws Exception {
        try (ServerSocketChannel inherited = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            try (EchoServer server = EchoServer.start(ServerConfig.builder().port(0).drainTimeout(Duration.ofSeconds(60)).build(),
                    Listeners.inherited(inherited), null);
                 SocketChannel draining = Peers.connect(server.address())) {
                Peers.writeFully(draining, new byte[] {8});
                assertArrayEquals(new byte[] {8}, Peers.readExactly(draining, 1));
                server.shutdown();
                assertEquals(-1, Peers.read(draining, new byte[1]), "drained: FIN");
                try (SocketChannel late = Peers.connect(server.address())) {
                    int port = server.address().getPort();
                    int latePort = Peers.localPort(late);
                    await().atMost(BOUND).until(() -> Peers.serverSideStates(port, latePort).contains(TcpState.ESTABLISHED));
                    draining.close();
                    assertTrue(server.awaitTermination(BOUND), "the server ends with its last connection");
                    assertEquals(1, server.metrics().accepted(), "the late peer was never accepted");
                }
            }
            assertTrue(inherited.isOpen(), "an inherited listening socket is left open");
        }
    }

    @Test
    void anInheritedDatagramSocketIsServedAndLeftOpenAtShutdown() throws Exception {
        try (DatagramChannel inherited = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            InetSocketAddress address = (InetSocketAddress) inherited.getLocalAddress();
            try (EchoServer server = EchoServer.start(ServerConfig.builder().port(0).build(),
                    Listeners.inheritedDatagrams(inherited), null);
                 DatagramSocket peer = DatagramPeers.bound(new InetSocketAddress("127.0.0.1", 0))) {
                byte[] payload = Peers.randomBytes(100, 5);
                assertArrayEquals(payload, DatagramPeers.echo(peer, address, payload));
            }
            assertTrue(inherited.isOpen(), "an inherited datagram socket is left open");
        }
    }
}
