package org.nioecho.server;

import org.junit.jupiter.api.Test;
import org.nioecho.kernel.TcpState;
import org.nioecho.kernel.TcpTable;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.ServerSocketChannel;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Several listening sockets, bound together or not at all, served by one reactor. */
class ListenersTest {

    @Test
    void oneServerEchoesOnAnIpv4AndAnIpv6Listener() throws Exception {
        Listeners listeners = Listeners.bind(List.of(new InetSocketAddress("127.0.0.1", 0),
                new InetSocketAddress("::1", 0)), 16);
        try (EchoServer server = EchoServer.start(ServerConfig.builder().build(), listeners, null)) {
            List<InetSocketAddress> addresses = server.addresses();
            assertEquals(2, addresses.size(), addresses.toString());
            assertEquals("127.0.0.1", Addresses.format(addresses.get(0)).split(":")[0]);
            assertTrue(Addresses.format(addresses.get(1)).startsWith("[::1]:"), addresses.toString());
            assertEquals(addresses.get(0), server.address(), "address() is the first");
            for (InetSocketAddress address : addresses) {
                byte[] payload = Peers.randomBytes(100_000, address.getPort());
                assertArrayEquals(payload, Peers.echo(address, payload), "echo on " + address);
            }
            assertEquals(2, server.metrics().accepted, "one reactor counted both");
        }
    }

    @Test
    void anIpv4WildcardIsAnIpv4Socket() throws Exception {
        try (Listeners listeners = Listeners.bind(List.of(new InetSocketAddress("0.0.0.0", 0)), 16)) {
            assertTrue(Addresses.format(listeners.addresses().get(0)).startsWith("0.0.0.0:"), listeners.addresses().toString());
        }
    }

    /** A listener that cannot bind: it is named, and the ones bound before it are closed again. */
    @Test
    void aListenerThatCannotBindLeavesNothingListening() throws Exception {
        int free;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            free = probe.getLocalPort();
        }
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            InetSocketAddress busy = new InetSocketAddress("127.0.0.1", taken.getLocalPort());
            CannotListenException e = assertThrows(CannotListenException.class, () -> Listeners.bind(
                    List.of(new InetSocketAddress("127.0.0.1", free), new InetSocketAddress("::1", 0), busy), 16));
            assertEquals(busy, e.address());
            assertEquals("Address already in use", e.reason());
            assertFalse(TcpTable.read().stream().anyMatch(s -> s.state() == TcpState.LISTEN && s.local().getPort() == free),
                    "the listener bound before the failure still listens on " + free);
        }
    }

    /**
     * An inherited listener is left open at shutdown (closing an inherited channel points the
     * standard streams at /dev/null); a bound one is closed.
     */
    @Test
    void anInheritedListenerIsLeftOpenAtShutdownABoundOneIsClosed() throws Exception {
        try (ServerSocketChannel handedOver = ServerSocketChannel.open()) {
            handedOver.bind(new InetSocketAddress("127.0.0.1", 0));
            Listeners inherited = Listeners.inherited(handedOver);
            try (EchoServer server = EchoServer.start(ServerConfig.builder().build(), inherited, null)) {
                assertArrayEquals(new byte[] {1, 2, 3}, Peers.echo(server.address(), new byte[] {1, 2, 3}));
            }
            assertTrue(handedOver.isOpen(), "the inherited listener was closed");
        }
        Listeners bound = Listeners.bind(List.of(new InetSocketAddress("127.0.0.1", 0)), 16);
        try (EchoServer server = EchoServer.start(ServerConfig.builder().build(), bound, null)) {
            assertTrue(bound.channels().get(0).isOpen());
        }
        assertFalse(bound.channels().get(0).isOpen(), "a bound listener is closed at shutdown");
    }

    @Test
    void listenAddressesParseAsWritten() {
        assertEquals(new InetSocketAddress("127.0.0.1", 9877), Addresses.parse("127.0.0.1:9877"));
        assertEquals(new InetSocketAddress("::1", 9877), Addresses.parse("[::1]:9877"));
        assertEquals(new InetSocketAddress("0.0.0.0", 7), Addresses.parse("0.0.0.0:7"));
        for (String bad : new String[] {"9877", "::1:9877", "[::1:9877", "127.0.0.1:", "127.0.0.1:70000", ":80",
                "127.0.0.1:x", "no-such-host.invalid:80"}) {
            assertThrows(IllegalArgumentException.class, () -> Addresses.parse(bad), bad);
        }
    }
}
