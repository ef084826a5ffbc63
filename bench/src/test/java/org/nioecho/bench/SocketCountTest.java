package org.nioecho.bench;

import org.junit.jupiter.api.Test;
import org.nioecho.harness.Listening;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SocketCountTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final int SOCKET_TIMEOUT_MS = 10_000;

    @Test
    void matchesTheWholeLocalAddressAndTheState() throws IOException {
        List<String> forms = SocketCount.procForms(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0x2691), false);
        String listen = "   0: 0100007F:2691 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1";
        String established = "  12: 0100007F:2691 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 2 1";
        String client = "  13: 0100007F:9C40 0100007F:2691 01 00000000:00000000 00:00000000 00000000     0        0 3 1";
        String v6 = "   4: 0000000000000000FFFF00000100007F:2691 0000000000000000FFFF00000100007F:A1B2 01 00000000:00000000";
        String otherAddress = "  14: 0200007F:2691 0100007F:A437 06 00000000:00000000 03:0000164E 00000000     0        0 0 3";
        String otherAddressV6 = "  15: 0000000000000000FFFF00000200007F:2691 0000000000000000FFFF00000100007F:A437 06 00000000:00000000";
        assertTrue(SocketCount.matches(listen, forms, true));
        assertFalse(SocketCount.matches(listen, forms, false));
        assertTrue(SocketCount.matches(established, forms, false));
        assertFalse(SocketCount.matches(client, forms, false), "the client's end has the port as its remote");
        assertTrue(SocketCount.matches(v6, forms, false));
        assertFalse(SocketCount.matches(otherAddress, forms, false), "the same port on 127.0.0.2 is another socket");
        assertFalse(SocketCount.matches(otherAddressV6, forms, false), "the same port on ::ffff:127.0.0.2 is another socket");
        assertFalse(SocketCount.matches("  sl  local_address rem_address   st", forms, false));

        List<String> listening = SocketCount.procForms(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0x2691), true);
        String wildcard = "   1: 00000000:2691 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1";
        String wildcardV6 = "   2: 00000000000000000000000000000000:2691 00000000000000000000000000000000:0000 0A 00000000:00000000";
        assertTrue(SocketCount.matches(wildcard, listening, true), "0.0.0.0 takes connections to 127.0.0.1");
        assertTrue(SocketCount.matches(wildcardV6, listening, true), ":: takes them too");
        assertFalse(SocketCount.matches(wildcard, forms, true), "but only a listener counts the wildcard");
        assertEquals(List.of("00000000000000000000000001000000:2691"),
                SocketCount.procForms(new InetSocketAddress(InetAddress.getByName("::1"), 0x2691), false));
    }

    /**
     * Another program's sockets with the same port number on another local address (here a
     * connection to 127.0.0.2:PORT; on a busy machine, e.g. a client's TIME_WAIT leftover whose
     * ephemeral port happens to be ours) are not this server's connections.
     */
    @Test
    void countsTheServerSideOfRealConnectionsAndNoOtherAddressWithThePort() throws IOException {
        InetAddress other = InetAddress.getByName("127.0.0.2");
        try (Neighbours pair = Neighbours.bind(other);
             Socket foreign = connect(new InetSocketAddress(other, pair.port()));
             Socket foreignServerSide = pair.other().accept()) {
            assertEquals(foreign.getLocalPort(), foreignServerSide.getPort(), "the foreign connection is up");
            ServerSocket listener = pair.loopback();
            InetSocketAddress server = new InetSocketAddress(LOOPBACK, listener.getLocalPort());
            assertTrue(Listening.isListening(server.getPort()));
            assertEquals(0, SocketCount.serverSide(server), "the connection on " + other + " is not counted");
            List<Socket> sockets = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    sockets.add(connect(server));
                }
                await().atMost(Duration.ofSeconds(10)).until(() -> SocketCount.serverSide(server) == 3);
            } finally {
                for (Socket s : sockets) {
                    s.close();
                }
            }
        }
    }

    /** A port held (bound, not listening) so that nothing else can listen on it while we look. */
    @Test
    void seesNoListenerOnABoundPortNorOnTheSamePortOfAnotherAddress() throws IOException {
        InetAddress other = InetAddress.getByName("127.0.0.2");
        for (int attempt = 1; ; attempt++) {
            try (Socket held = new Socket(); ServerSocket neighbour = new ServerSocket()) {
                held.bind(new InetSocketAddress(LOOPBACK, 0));
                int port = held.getLocalPort();
                try {
                    neighbour.bind(new InetSocketAddress(other, port), 50);
                } catch (BindException e) { // another program holds that port on the other address: try another port
                    if (attempt == 10) {
                        throw e;
                    }
                    continue;
                }
                assertFalse(Listening.isListening(port), other + " listens on " + port + ", not 127.0.0.1");
                return;
            }
        }
    }

    private static Socket connect(InetSocketAddress address) throws IOException {
        Socket socket = new Socket();
        socket.connect(address, SOCKET_TIMEOUT_MS);
        socket.setSoTimeout(SOCKET_TIMEOUT_MS);
        return socket;
    }

    /** Listeners on 127.0.0.1:PORT and on another loopback address with the same PORT. */
    private record Neighbours(ServerSocket loopback, ServerSocket other) implements AutoCloseable {
        static Neighbours bind(InetAddress otherAddress) throws IOException {
            for (int attempt = 1; ; attempt++) {
                ServerSocket loopback = new ServerSocket(0, 50, LOOPBACK);
                ServerSocket other = new ServerSocket();
                try {
                    other.bind(new InetSocketAddress(otherAddress, loopback.getLocalPort()), 50);
                    other.setSoTimeout(SOCKET_TIMEOUT_MS);
                    return new Neighbours(loopback, other);
                } catch (BindException e) { // another program holds that port on the other address: try another port
                    other.close();
                    loopback.close();
                    if (attempt == 10) {
                        throw e;
                    }
                }
            }
        }

        int port() {
            return loopback.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            try (other) {
                loopback.close();
            }
        }
    }
}
