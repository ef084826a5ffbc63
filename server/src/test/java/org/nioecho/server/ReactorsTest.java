package org.nioecho.server;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --reactors N}: several reactor threads behind one acceptor. Byte-exact echo on
 * many connections, every reactor serving some, one global connection limit, faults drawn
 * on the acceptor, the output budget split exactly, exact totals, and a drain that ends only
 * when every reactor is done.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class ReactorsTest {
    private EchoServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 4})
    void manyConnectionsEchoByteExactSpreadOverEveryReactorWithExactTotals(int reactors) throws Exception {
        server = EchoServer.start(ServerConfig.builder().port(0).reactors(reactors).build());
        int connections = 64;
        ExecutorService pool = Executors.newFixedThreadPool(16);
        long total = 0;
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < connections; i++) {
                byte[] payload = Peers.randomBytes(1 + (i * 7919) % (256 * 1024), i);
                total += payload.length;
                results.add(pool.submit(() -> Arrays.equals(payload, Peers.echo(server.address(), payload))));
            }
            for (Future<Boolean> result : results) {
                assertTrue(result.get(120, TimeUnit.SECONDS), "echo differs from payload");
            }
        } finally {
            pool.shutdownNow();
        }
        long expected = total;
        ServerMetrics metrics = server.metrics();
        await().atMost(Duration.ofSeconds(10)).until(() -> metrics.closed(CloseCause.EOF) == connections);
        await().atMost(Duration.ofSeconds(10)).until(() -> metrics.bytesSent() == expected);
        assertEquals(expected, metrics.bytesReceived());
        assertEquals(connections, metrics.accepted());
        assertEquals(0, metrics.active());
        ReactorGroup group = server.reactors();
        assertEquals(reactors, group.size());
        long served = 0;
        for (int i = 0; i < reactors; i++) {
            long accepted = group.reactor(i).metrics().accepted();
            assertTrue(accepted > 0, "reactor " + i + " served no connection");
            served += accepted;
        }
        assertEquals(connections, served);
        assertEquals(0, group.limit().open(), "every closed connection gave its slot back");
    }

    @Test
    void theConnectionLimitHoldsForAllReactorsTogether() throws Exception {
        server = EchoServer.start(ServerConfig.builder().port(0).reactors(4).maxConnections(3).build());
        List<SocketChannel> peers = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                SocketChannel peer = Peers.connect(server.address());
                peers.add(peer);
                Peers.writeFully(peer, new byte[] {(byte) i});
                assertArrayEquals(new byte[] {(byte) i}, Peers.readExactly(peer, 1));
            }
            try (SocketChannel fourth = Peers.connect(server.address())) {
                assertEquals(-1, Peers.read(fourth, new byte[1]), "the fourth peer should be closed at once");
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> server.metrics().closed(CloseCause.REJECTED) == 1);
            assertEquals(3, server.metrics().active());
            peers.remove(0).close(); // a slot frees on the reactor that served it; the acceptor sees it
            await().atMost(Duration.ofSeconds(10)).until(() -> server.metrics().active() == 2);
            try (SocketChannel again = Peers.connect(server.address())) {
                Peers.writeFully(again, new byte[] {42});
                assertArrayEquals(new byte[] {42}, Peers.readExactly(again, 1));
            }
            assertEquals(1, server.metrics().closed(CloseCause.REJECTED));
        } finally {
            for (SocketChannel peer : peers) {
                peer.close();
            }
        }
    }

    @Test
    void faultsAreDrawnForConnectionsOnEveryReactor() throws Exception {
        server = EchoServer.start(ServerConfig.builder().port(0).reactors(2)
                .faults(List.of(FaultSpecs.parse("limit:bytes=100"))).faultSeed(1).build());
        for (int i = 0; i < 4; i++) {
            byte[] payload = Peers.randomBytes(300, i);
            byte[] echoed = Peers.echo(server.address(), payload);
            assertArrayEquals(Arrays.copyOf(payload, 100), echoed, "exactly 100 bytes, then EOF");
        }
        ReactorGroup group = server.reactors();
        await().atMost(Duration.ofSeconds(10)).until(() -> server.metrics().active() == 0);
        assertEquals(4, server.metrics().faultsInjected(FaultKind.LIMIT));
        assertEquals(2, group.reactor(0).metrics().faultsInjected(FaultKind.LIMIT));
        assertEquals(2, group.reactor(1).metrics().faultsInjected(FaultKind.LIMIT));
    }

    @Test
    void theOutputBudgetIsSplitSoThatTheSharesAddUpToIt() throws Exception {
        long budget = 3 * (64 << 10) + 2; // not a multiple of 3: the first reactor gets the rest
        ServerConfig config = ServerConfig.builder().port(0).reactors(3).maxOutputMemoryBytes(budget).build();
        long sum = 0;
        for (int i = 0; i < 3; i++) {
            long share = ReactorGroup.outputBudgetBytes(config.maxOutputMemoryBytes(), config.reactors(), i);
            assertTrue(share >= config.highWaterBytes(), "share " + i + ": " + share);
            sum += share;
        }
        assertEquals(budget, sum);
        server = EchoServer.start(config);
        assertEquals(budget, server.metrics().outputMemoryMaxBytes());
        assertEquals(64 << 10, server.reactors().reactor(1).metrics().outputMemoryMaxBytes());
    }

    /** A stopped group leaves no descriptor behind: every reactor's selector and every channel is closed. */
    @Test
    void aClosedGroupLeavesNoDescriptor() throws Exception {
        try (EchoServer warmUp = EchoServer.start(ServerConfig.builder().port(0).reactors(2).build())) {
            assertArrayEquals(new byte[] {7}, Peers.echo(warmUp.address(), new byte[] {7})); // loads what opens files once
        }
        long before = Peers.openDescriptors();
        try (EchoServer group = EchoServer.start(ServerConfig.builder().port(0).reactors(4).build())) {
            for (int i = 0; i < 8; i++) {
                assertArrayEquals(new byte[] {(byte) i}, Peers.echo(group.address(), new byte[] {(byte) i}));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> group.metrics().closed(CloseCause.EOF) == 8);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> Peers.openDescriptors() <= before);
    }

    /**
     * Shutdown reaches every reactor, and the server has stopped only when the last one has
     * drained: a peer on the second reactor that reads EOF but does not close holds it, and
     * with it the whole server, after the first reactor has finished.
     */
    @Test
    void shutdownDrainsEveryReactorAndEndsOnlyWhenTheLastIsDone() throws Exception {
        server = EchoServer.start(ServerConfig.builder().port(0).reactors(2).drainTimeout(Duration.ofSeconds(60)).build());
        try (SocketChannel onFirst = Peers.connect(server.address());
             SocketChannel onSecond = Peers.connect(server.address())) {
            for (SocketChannel peer : List.of(onFirst, onSecond)) { // in turn: the first, then the second reactor
                Peers.writeFully(peer, new byte[] {7});
                assertArrayEquals(new byte[] {7}, Peers.readExactly(peer, 1));
            }
            ReactorGroup group = server.reactors();
            assertEquals(1, group.reactor(0).metrics().active());
            assertEquals(1, group.reactor(1).metrics().active());
            server.shutdown();
            assertEquals(0, Peers.readToEof(onFirst).length);
            assertEquals(0, Peers.readToEof(onSecond).length); // the second reactor drains too: FIN
            onFirst.close();
            await().atMost(Duration.ofSeconds(10)).until(() -> group.reactor(0).terminated());
            assertFalse(server.awaitTermination(Duration.ZERO), "the second reactor still waits for its peer's FIN");
            assertFalse(group.reactor(1).terminated());
            onSecond.close();
            assertTrue(server.awaitTermination(Duration.ofSeconds(10)));
        }
        assertEquals(2, server.metrics().closed(CloseCause.SHUTDOWN));
        assertEquals(2, server.metrics().accepted());
        assertEquals("2 connections, 2 bytes in, 2 bytes out, closed: shutdown=2", server.summary());
    }
}
