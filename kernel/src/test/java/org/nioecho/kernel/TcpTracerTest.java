package org.nioecho.kernel;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The kernel's record of real loopback sockets (root only: tracepoints need it). */
@Timeout(60)
class TcpTracerTest {

    @BeforeAll
    static void needsTracepoints() {
        assumeTrue(TcpTracer.unavailableReason().isEmpty(),
                () -> "skipped: " + TcpTracer.unavailableReason().orElse(""));
    }

    @Test
    void recordsThePlainCloseOfBothEndsInOrder() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            int port = listener.getLocalPort();
            AtomicInteger live = new AtomicInteger();
            try (TcpTracer tracer = TcpTracer.start(Set.of(port), e -> live.incrementAndGet())) {
                int clientPort;
                try (Socket client = new Socket(listener.getInetAddress(), port);
                     Socket server = listener.accept()) {
                    server.setSoTimeout(5_000);
                    clientPort = client.getLocalPort();
                    client.close();
                    assertEquals(-1, server.getInputStream().read()); // the client's FIN
                }
                tracer.sync(Duration.ofSeconds(10));
                List<KernelEvent> events = tracer.events();
                assertEquals(List.of(TcpState.SYN_SENT, TcpState.ESTABLISHED, TcpState.FIN_WAIT1,
                                TcpState.FIN_WAIT2, TcpState.CLOSE),
                        walk(events, clientPort, port), "client: " + events);
                assertEquals(List.of(TcpState.SYN_RECV, TcpState.ESTABLISHED, TcpState.CLOSE_WAIT,
                                TcpState.LAST_ACK, TcpState.CLOSE),
                        walk(events, port, clientPort), "server: " + events);
                assertEquals(events.size(), live.get(), "the listener saw each event");
                assertEquals(0, tracer.overruns());
            }
        }
    }

    @Test
    void namesWhoseKernelSentTheResetAndTheErrorStored() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            int port = listener.getLocalPort();
            try (TcpTracer tracer = TcpTracer.start(Set.of(port), e -> { })) {
                int clientPort;
                try (Socket client = new Socket(listener.getInetAddress(), port);
                     Socket server = listener.accept()) {
                    clientPort = client.getLocalPort();
                    client.setOption(StandardSocketOptions.SO_LINGER, 0);
                    client.close(); // abort: RST
                    server.setSoTimeout(5_000);
                    try {
                        server.getInputStream().read();
                    } catch (IOException expected) {
                        // Connection reset
                    }
                }
                tracer.sync(Duration.ofSeconds(10));
                List<KernelEvent> events = tracer.events();
                assertTrue(events.stream().anyMatch(e -> e.kind() == KernelEvent.Kind.RESET_SENT
                        && e.local().getPort() == clientPort), "the client's kernel sent the RST: " + events);
                assertTrue(events.stream().anyMatch(e -> e.kind() == KernelEvent.Kind.RESET_RECEIVED
                        && e.local().getPort() == port), "the server's socket received it: " + events);
                assertTrue(events.stream().anyMatch(e -> e.kind() == KernelEvent.Kind.ERROR
                        && e.local().getPort() == port && e.errno() == 104), "ECONNRESET stored: " + events);
            }
        }
    }

    @Test
    void removesItsInstanceAndSweepsThoseOfDeadRuns() throws Exception {
        Path instance;
        try (TcpTracer tracer = TcpTracer.start(Set.of(1), e -> { })) {
            instance = tracer.instance();
            assertTrue(Files.isDirectory(instance));
        }
        assertFalse(Files.exists(instance), "removed on close");

        Path leftover = TcpTracer.TRACEFS.resolve("instances/nioecho-" + Integer.MAX_VALUE + "-1");
        Files.createDirectory(leftover); // as a killed run would leave it
        assertTrue(TcpTracer.sweepLeftovers() >= 1);
        assertFalse(Files.exists(leftover), "a dead run's instance is swept");
    }

    private static List<TcpState> walk(List<KernelEvent> events, int localPort, int remotePort) {
        return events.stream()
                .filter(e -> e.kind() == KernelEvent.Kind.STATE && e.from() != e.to()) // the kernel may repeat FIN_WAIT1
                .filter(e -> e.local().getPort() == localPort && e.remote().getPort() == remotePort
                        || e.local().getPort() == 0 && e.remote().getPort() == remotePort && localPort != remotePort
                           && e.to() == TcpState.SYN_SENT)
                .map(KernelEvent::to)
                .toList();
    }
}
