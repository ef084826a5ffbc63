package org.nioecho.server;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A reactor with nothing to do sleeps in select (also after an interrupt, and with its
 * timers armed), runs long bursts of its own tasks without waiting for an event, and
 * leaves no descriptor and no listening socket behind when it stops.
 */
@Timeout(60)
class ReactorQuietTest {
    private static final Duration QUIET = Duration.ofMillis(500);

    @Test
    void anIdleReactorSleepsInSelect() throws Exception {
        try (EchoServer server = EchoServer.start(ServerConfig.builder().port(0).build());
             SocketChannel peer = Peers.connect(server.address())) {
            assertArrayEquals(new byte[] {1, 2, 3}, Peers.echo(peer, new byte[] {1, 2, 3}));
            assertQuiet(server);
        }
    }

    /** With the idle and write timeouts on, the sweep wakes it now and then, no more. */
    @Test
    void aReactorWithTimersArmedSleepsBetweenThem() throws Exception {
        ServerConfig config = ServerConfig.builder().port(0).idleTimeout(Duration.ofSeconds(30))
                .writeTimeout(Duration.ofSeconds(20)).build();
        try (EchoServer server = EchoServer.start(config);
             SocketChannel peer = Peers.connect(server.address())) {
            assertArrayEquals(new byte[] {4}, Peers.echo(peer, new byte[] {4}));
            assertQuiet(server);
        }
    }

    /** An interrupt makes every select return at once until it is cleared: the loop clears it. */
    @Test
    void anInterruptedReactorClearsTheInterruptAndSleepsAgain() throws Exception {
        try (EchoServer server = EchoServer.start(ServerConfig.builder().port(0).build());
             SocketChannel peer = Peers.connect(server.address())) {
            server.interruptReactor();
            assertArrayEquals(new byte[] {5, 6}, Peers.echo(peer, new byte[] {5, 6}));
            assertQuiet(server);
        }
    }

    /**
     * A task that posts the next one from the reactor thread: 20,000 in a chain, several
     * times the tasks run per turn, all run with no event and no other thread to wake the
     * selector (a turn that leaves tasks queued must not block in select).
     */
    @Test
    void aChainOfTasksPostedFromTheReactorItselfRunsToItsEnd() throws Exception {
        try (EchoServer server = EchoServer.start(ServerConfig.builder().port(0).build())) {
            Reactor reactor = server.reactor();
            CountDownLatch done = new CountDownLatch(1);
            reactor.execute(new Runnable() {
                private int left = 20_000;

                @Override
                public void run() {
                    if (--left == 0) {
                        done.countDown();
                    } else {
                        reactor.execute(this);
                    }
                }
            });
            assertTrue(done.await(20, TimeUnit.SECONDS), "the chain stopped: a turn blocked with tasks queued");
        }
    }

    /** After close: the selector, the listening socket and every connection are closed. */
    @Test
    void aClosedServerLeavesNoDescriptorAndRefusesConnections() throws Exception {
        try (EchoServer warmUp = EchoServer.start(ServerConfig.builder().port(0).build())) {
            assertArrayEquals(new byte[] {7}, Peers.echo(warmUp.address(), new byte[] {7})); // loads what opens files once
        }
        long before = Peers.openDescriptors();
        InetSocketAddress address;
        try (EchoServer server = EchoServer.start(ServerConfig.builder().port(0).build());
             SocketChannel peer = Peers.connect(server.address())) {
            address = server.address();
            assertArrayEquals(new byte[] {7}, Peers.echo(peer, new byte[] {7}));
            server.shutdown();
            assertEquals(-1, Peers.read(peer, new byte[1]), "the server sends its FIN");
            peer.close();
            assertTrue(server.awaitTermination(Duration.ofSeconds(10)), "the loop ended");
            assertEquals(1, server.metrics().closedTotal(), server.summary());
        }
        assertThrows(ConnectException.class, () -> SocketChannel.open(address).close(), "still listening");
        await().atMost(Duration.ofSeconds(10)).until(() -> Peers.openDescriptors() <= before);
    }

    static void assertQuiet(EchoServer server) throws IOException {
        long busyBefore = reactorBusyNanos();
        long wallBefore = System.nanoTime();
        long received = server.metrics().bytesReceived();
        await().during(QUIET).atMost(QUIET.multipliedBy(10)).until(() -> server.metrics().bytesReceived() == received);
        long busyMs = TimeUnit.NANOSECONDS.toMillis(reactorBusyNanos() - busyBefore);
        long wallMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - wallBefore);
        assertTrue(busyMs < wallMs / 2, "the idle reactor spun: running or runnable " + busyMs + " ms of " + wallMs + " ms");
    }

    /**
     * Nanoseconds the reactor threads have spent running or waiting to run, from the kernel's
     * {@code /proc/self/task/TID/schedstat}: a thread blocked in select adds nothing, a
     * spinning one adds the wall time, however loaded the machine is.
     */
    static long reactorBusyNanos() throws IOException {
        long sum = 0;
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    if (Files.readString(task.resolve("comm")).trim().equals("nioecho-reactor")) {
                        String[] schedstat = Files.readString(task.resolve("schedstat")).trim().split(" ");
                        sum += Long.parseLong(schedstat[0]) + Long.parseLong(schedstat[1]);
                    }
                } catch (IOException e) {
                    // the thread ended meanwhile
                }
            }
        }
        return sum;
    }
}
