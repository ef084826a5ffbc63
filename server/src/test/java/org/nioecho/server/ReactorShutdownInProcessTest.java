package org.nioecho.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import javax.net.ssl.SSLSocket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the reactor closes, and when: the listeners and UDP sockets at once when a shutdown
 * begins; everything (connections, listeners, UDP sockets, the selector, the TLS task thread)
 * when the loop ends, also when it ends by an error; inherited sockets never.
 */
@Timeout(30)
class ReactorShutdownInProcessTest {
    private static final Duration BOUND = Duration.ofSeconds(10);
    private static final InetSocketAddress LOOPBACK = new InetSocketAddress("127.0.0.1", 0);

    /** The listeners close as the shutdown begins, before any connection has drained. */
    @Test
    void aShutdownClosesTheListenersAndUdpSocketsAtOnce() throws Exception {
        Listeners listeners = Listeners.bind(List.of(LOOPBACK), List.of(), 16, true);
        try (EchoServer server = EchoServer.start(ServerConfig.builder().build(), listeners, null)) {
            Reactor reactor = server.reactor();
            boolean[] open = new boolean[2];
            CountDownLatch begun = new CountDownLatch(1);
            reactor.execute(() -> {
                reactor.beginShutdown();
                open[0] = listeners.channels().get(0).isOpen();
                open[1] = listeners.datagrams().get(0).isOpen();
                begun.countDown();
            });
            assertTrue(begun.await(BOUND.toSeconds(), TimeUnit.SECONDS));
            assertFalse(open[0], "still listening for TCP after the shutdown began");
            assertFalse(open[1], "still serving UDP after the shutdown began");
        }
    }

    /**
     * An Error on the reactor thread (an OutOfMemoryError, a StackOverflowError) ends the loop:
     * it is the server's failure, and the connections, the listener and the UDP socket are closed.
     */
    @Test
    void anErrorEndsTheLoopAsTheServersFailureAndClosesEverything() throws Exception {
        Listeners listeners = Listeners.bind(List.of(LOOPBACK), List.of(), 16, true);
        EchoServer server = EchoServer.start(ServerConfig.builder().build(), listeners, null);
        try (SocketChannel client = Peers.connect(server.address())) {
            CompletableFuture<Throwable> uncaught = new CompletableFuture<>();
            server.reactorThread().setUncaughtExceptionHandler((thread, e) -> uncaught.complete(e));
            Peers.writeFully(client, new byte[] {1, 2, 3});
            assertArrayEquals(new byte[] {1, 2, 3}, Peers.readExactly(client, 3)); // served: the connection is open
            AssertionError error = new AssertionError("an Error on the reactor thread (injected)");
            server.reactor().execute(() -> {
                throw error;
            });
            assertTrue(server.awaitTermination(BOUND), "the loop ended");
            assertSame(error, server.failure());
            assertSame(error, uncaught.get(BOUND.toSeconds(), TimeUnit.SECONDS), "the thread ended with it");
            assertFalse(listeners.channels().get(0).isOpen(), "the listener was left open");
            assertFalse(listeners.datagrams().get(0).isOpen(), "the UDP socket was left open");
            client.socket().setSoTimeout(5000);
            assertEquals(-1, Peers.read(client, new byte[16]), "the connection was left open");
        } finally {
            server.close();
        }
    }

    @Test
    void aStoppedServerHasClosedItsSelector() throws Exception {
        long selectors = InheritedInProcessTest.epollInstances();
        EchoServer server = EchoServer.start(ServerConfig.builder().port(0).build());
        assertTrue(InheritedInProcessTest.epollInstances() > selectors, "the reactor's selector is an epoll instance");
        server.close();
        assertTrue(server.awaitTermination(BOUND));
        assertTrue(InheritedInProcessTest.epollInstances() <= selectors, "the selector was left open");
    }

    /** TLS handshakes run their slow steps on a task thread; it ends with the server. */
    @Test
    void aStoppedTlsServerHasEndedItsTaskThread() throws Exception {
        Set<Thread> before = tlsTaskThreads();
        Set<Thread> started;
        try (EchoServer server = TlsTestSupport.startTlsServer(BOUND);
             SSLSocket socket = TlsTestSupport.tlsSocket(TlsTestSupport.trustingClient(), server.address(), 10_000)) {
            socket.getOutputStream().write(new byte[] {1, 2, 3});
            socket.getOutputStream().flush();
            assertArrayEquals(new byte[] {1, 2, 3}, socket.getInputStream().readNBytes(3));
            started = tlsTaskThreads();
            started.removeAll(before);
            assertFalse(started.isEmpty(), "the handshake ran no task on the task thread");
        }
        for (Thread thread : started) {
            thread.join(BOUND.toMillis());
            assertFalse(thread.isAlive(), thread + " still runs after the server stopped");
        }
    }

    private static Set<Thread> tlsTaskThreads() {
        Set<Thread> threads = new HashSet<>();
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.getName().equals("nioecho-tls-task")) {
                threads.add(thread);
            }
        }
        return threads;
    }

    /**
     * Inherited sockets stay open at shutdown, whatever the order the reactor was told in: here
     * the UDP socket is served before the reactor learns its listeners are inherited.
     */
    @Test
    void socketsMarkedInheritedAfterTheyAreServedAreLeftOpen() throws Exception {
        ServerConfig config = ServerConfig.builder().build();
        try (DatagramChannel datagrams = DatagramChannel.open(StandardProtocolFamily.INET).bind(LOOPBACK);
             DatagramSocket peer = DatagramPeers.bound(LOOPBACK)) {
            ReactorGroup group = new ReactorGroup(config, List.of(), Set.of(), 1);
            Reactor reactor = group.reactor(0);
            reactor.serveDatagrams(datagrams);
            reactor.leaveListenersOpen();
            group.start();
            try {
                byte[] payload = Peers.randomBytes(100, 13);
                assertArrayEquals(payload, DatagramPeers.echo(peer, (InetSocketAddress) datagrams.getLocalAddress(), payload));
            } finally {
                group.shutdown();
                assertTrue(group.awaitTermination(BOUND.toSeconds(), TimeUnit.SECONDS));
            }
            assertTrue(datagrams.isOpen(), "an inherited datagram socket was closed");
        }
    }
}
