package org.nioecho.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nioecho.kernel.TcpState;

import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A server's life in this JVM, each step small: the start (and a start that fails), the
 * requests other threads make of the reactor ({@code summary}, {@code pauseAccepting}), an
 * interrupted caller, an interrupted reactor, and the close.
 */
@Timeout(30)
class LifecycleInProcessTest {
    private static final Duration BOUND = Duration.ofSeconds(10);
    private static final InetSocketAddress LOOPBACK = new InetSocketAddress("127.0.0.1", 0);

    private static ServerConfig.Builder config() {
        return ServerConfig.builder().port(0);
    }

    @Test
    void severalReactorsAreLoggedAtStartOneIsNotAndAClosedServerWarnsOfNothing() throws Exception {
        try (CapturedLog log = new CapturedLog(Level.INFO, EchoServer.class)) {
            EchoServer.start(config().build()).close();
            assertEquals(List.of(), log.messages(), "one reactor: nothing to say, and close() had no warning");
            EchoServer.start(config().reactors(2).build()).close();
            assertEquals(List.of("INFO 2 reactor threads; the first accepts and hands connections to all in turn"),
                    log.messages());
        }
    }

    /** A start that fails after the reactors were made closes them and every listener it was given. */
    @Test
    void aFailedStartClosesTheListenersAndTheSelectors() throws Exception {
        Listeners listeners = Listeners.bind(List.of(LOOPBACK), List.of(), 16, true);
        listeners.datagrams().get(0).close(); // the UDP echo cannot be set up: after the reactor was made
        long selectors = InheritedInProcessTest.epollInstances();
        assertThrows(ClosedChannelException.class, () -> EchoServer.start(config().build(), listeners, null));
        assertFalse(listeners.channels().get(0).isOpen(), "the TCP listener was left open");
        assertTrue(InheritedInProcessTest.epollInstances() <= selectors, "the reactor's selector was left open");

        Listeners tls = Listeners.bind(List.of(), List.of(LOOPBACK), 16, false); // TLS without a certificate
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> EchoServer.start(config().build(), tls, null));
        assertEquals("a TLS listener needs the TLS configuration (certificate)", refused.getMessage());
        assertFalse(tls.channels().get(0).isOpen(), "the TLS listener was left open");
    }

    /** The summary is read on the reactor, after what was asked of it before; once stopped, at once. */
    @Test
    void theSummaryFollowsTheReactorsEarlierTasksAndIsReadAtOnceAfterTheStop() throws Exception {
        EchoServer server = EchoServer.start(config().build());
        try {
            Thread caller = Thread.currentThread();
            server.reactor().execute(() -> {
                // Held until the caller waits for its summary; what this task counts comes before it.
                await().atMost(BOUND).until(() -> caller.getState() == Thread.State.TIMED_WAITING);
                server.metrics().accepted += 7;
            });
            String summary = server.summary();
            assertTrue(summary.startsWith("7 connections"), summary);
        } finally {
            server.close();
        }
        assertEquals(server.metrics().summary(), server.summary());
    }

    @Test
    void pausedAcceptingLeavesAConnectionInTheBacklogUntilResumed() throws Exception {
        try (EchoServer server = EchoServer.start(config().build())) {
            server.pauseAccepting();
            try (SocketChannel client = Peers.connect(server.address())) {
                int port = server.address().getPort();
                int clientPort = Peers.localPort(client);
                await().atMost(BOUND).until(() -> Peers.serverSideStates(port, clientPort).contains(TcpState.ESTABLISHED));
                onReactor(server, () -> { }); // a turn that began after the connection was queued...
                long[] accepted = new long[1];
                onReactor(server, () -> accepted[0] = server.metrics().accepted); // ...and the select that ended it
                assertEquals(0, accepted[0], "accepted while paused");
                server.resumeAccepting();
                byte[] payload = Peers.randomBytes(1000, 11);
                assertArrayEquals(payload, Peers.echo(client, payload));
            }
        }
    }

    /** Runs {@code action} on the reactor thread and waits for it. */
    private static void onReactor(EchoServer server, Runnable action) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        server.reactor().execute(() -> {
            action.run();
            done.countDown();
        });
        assertTrue(done.await(BOUND.toSeconds(), TimeUnit.SECONDS), "the reactor ran the task");
    }

    @Test
    void aCallerInterruptedWhileWaitingForTheReactorFailsAndKeepsItsInterrupt() throws Exception {
        try (EchoServer server = EchoServer.start(config().build())) {
            CountDownLatch held = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            server.reactor().execute(() -> {
                held.countDown();
                try {
                    release.await(BOUND.toSeconds(), TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertTrue(held.await(BOUND.toSeconds(), TimeUnit.SECONDS));
            Thread.currentThread().interrupt();
            try {
                IllegalStateException e = assertThrows(IllegalStateException.class, server::pauseAccepting);
                assertEquals("interrupted while waiting for the reactor", e.getMessage());
                assertTrue(Thread.interrupted(), "the interrupt was swallowed");
            } finally {
                Thread.interrupted();
                release.countDown();
            }
        }
    }

    @Test
    void closeFromAnInterruptedThreadReturnsAndKeepsTheInterrupt() throws Exception {
        EchoServer server = EchoServer.start(config().build());
        Thread.currentThread().interrupt();
        server.close();
        assertTrue(Thread.interrupted(), "the interrupt was swallowed");
        assertTrue(server.awaitTermination(BOUND), "the shutdown close() began goes on");
    }

    @Test
    void anInterruptedReactorSaysSoAndKeepsServing() throws Exception {
        try (CapturedLog log = new CapturedLog(Level.WARNING, Reactor.class);
             EchoServer server = EchoServer.start(config().build())) {
            server.interruptReactor();
            await().atMost(BOUND).until(() -> log.has(Level.WARNING, "reactor thread was interrupted: interrupt cleared, still serving"));
            byte[] payload = Peers.randomBytes(1000, 12);
            assertArrayEquals(payload, Peers.echo(server.address(), payload));
        }
    }
}
