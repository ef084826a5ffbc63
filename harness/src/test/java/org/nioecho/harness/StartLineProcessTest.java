package org.nioecho.harness;

import org.junit.jupiter.api.Test;

import java.net.Socket;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The lines a user reads first and last: the start line and the shutdown summary. */
class StartLineProcessTest {

    @Test
    void ipv6IsWrittenShortAndOneConnectionIsSingular() throws Exception {
        try (ServerProcess server = ServerProcess.builder().args("--bind", "::1").start()) {
            assertEquals("nioecho server listening on [::1]:" + server.port(), server.stdout().get(0));
            try (Socket socket = new Socket()) {
                socket.connect(server.address(), 5_000);
            }
            server.signal("TERM");
            assertEquals(0, server.awaitExit(Duration.ofSeconds(20)));
            String last = server.stdout().get(server.stdout().size() - 1);
            assertTrue(last.startsWith("nioecho server stopped: 1 connection, "), last);
        }
    }
}
