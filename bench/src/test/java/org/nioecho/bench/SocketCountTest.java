package org.nioecho.bench;

import org.junit.jupiter.api.Test;
import org.nioecho.harness.Listening;

import java.io.IOException;
import java.net.InetAddress;
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
    @Test
    void matchesTheLocalPortAndTheState() {
        String listen = "   0: 0100007F:2691 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1";
        String established = "  12: 0100007F:2691 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 2 1";
        String client = "  13: 0100007F:9C40 0100007F:2691 01 00000000:00000000 00:00000000 00000000     0        0 3 1";
        String v6 = "   4: 0000000000000000FFFF00000100007F:2691 0000000000000000FFFF00000100007F:A1B2 01 00000000:00000000";
        assertTrue(SocketCount.matches(listen, ":2691", true));
        assertFalse(SocketCount.matches(listen, ":2691", false));
        assertTrue(SocketCount.matches(established, ":2691", false));
        assertFalse(SocketCount.matches(client, ":2691", false), "the client's end has the port as its remote");
        assertTrue(SocketCount.matches(v6, ":2691", false));
        assertFalse(SocketCount.matches("  sl  local_address rem_address   st", ":2691", false));
    }

    @Test
    void countsTheServerSideOfRealConnections() throws IOException {
        try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int port = listener.getLocalPort();
            assertTrue(Listening.isListening(port));
            assertEquals(0, SocketCount.serverSide(port));
            List<Socket> sockets = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    sockets.add(new Socket(InetAddress.getLoopbackAddress(), port));
                }
                await().atMost(Duration.ofSeconds(10)).until(() -> SocketCount.serverSide(port) == 3);
            } finally {
                for (Socket s : sockets) {
                    s.close();
                }
            }
        }
    }
}
