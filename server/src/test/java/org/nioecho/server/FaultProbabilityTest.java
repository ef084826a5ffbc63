package org.nioecho.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code probability=0.1} over 1000 real connections with a fixed seed: the share that gets
 * the fault, as the clients see it, falls within binomial bounds, and the same seed gives
 * the same count again.
 */
class FaultProbabilityTest {
    private static final int CONNECTIONS = 1000;

    @Test
    @Timeout(120)
    void aTenthOfTheConnectionsAreResetAndTheSeedRepeatsTheDraw() throws Exception {
        int first = resetConnections(42);
        // Binomial(1000, 0.1): mean 100, sigma 9.5; 4.5 sigma either side.
        assertTrue(first >= 57 && first <= 143, first + " of " + CONNECTIONS + " reset, expected about 100");
        assertEquals(first, resetConnections(42), "the same seed draws the same connections");
    }

    /** Opens the connections one by one against a server with reset:after=0,probability=0.1; counts the resets seen. */
    private static int resetConnections(long seed) throws Exception {
        FaultSpec reset = new FaultSpec(FaultKind.RESET, 0, -1, 0, 0, 0, 0, 0, 0, 0.1, "reset:after=0,probability=0.1");
        try (EchoServer server = EchoServer.start(ServerConfig.builder().port(0)
                .faults(List.of(reset)).faultSeed(seed).build())) {
            int resets = 0;
            for (int i = 0; i < CONNECTIONS; i++) {
                try (Socket socket = new Socket()) {
                    socket.connect(server.address(), 5_000);
                    socket.setSoTimeout(5_000);
                    socket.getOutputStream().write('x');
                    if (socket.getInputStream().read() != 'x') {
                        resets++; // EOF: the reset came before the write reached the server
                    }
                } catch (SocketException e) {
                    resets++; // "Connection reset" (or a broken pipe on the write)
                } catch (IOException e) {
                    throw new AssertionError("connection " + i + ": " + e, e);
                }
            }
            int seen = resets;
            await().atMost(Duration.ofSeconds(10)).until(() -> server.metrics().faultsInjected(FaultKind.RESET) == seen);
            return resets;
        }
    }
}
