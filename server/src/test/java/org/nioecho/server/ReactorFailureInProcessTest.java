package org.nioecho.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.NotYetBoundException;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The reactor's last-resort handling: a failing task or handler is logged and the loop goes
 * on; a failure that ends the loop is kept for {@link EchoServer#failure()}, logged, and
 * whoever waits for the end learns of it even when closing fails too; a reactor that cannot
 * be built leaves no selector open.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ReactorFailureInProcessTest {
    private static final Duration BOUND = Duration.ofSeconds(10);

    /** An Error no code here expects; thrown by a task on purpose. */
    private static final class InjectedError extends Error {
        InjectedError() {
            super("injected");
        }
    }

    @Test
    void aFailingTaskIsLoggedAndTheReactorServesOn() throws Exception {
        IllegalStateException failure = new IllegalStateException("task failed on purpose");
        try (CapturedLog log = new CapturedLog(Reactor.class);
             EchoServer server = EchoServer.start(ServerConfig.builder().port(0).build())) {
            server.reactor().execute(() -> {
                throw failure;
            });
            assertArrayEquals(new byte[] {1}, Peers.echo(server.address(), new byte[] {1}));
            await().atMost(BOUND).until(() -> log.messages(Level.SEVERE).contains("reactor task failed"));
            assertSame(failure, log.at(Level.SEVERE).get(0).getThrown());
            assertNull(server.failure());
        }
    }

    /** A handler that throws (an unbound listening socket: accept throws NotYetBoundException) is logged and closed. */
    @Test
    void aHandlerThatThrowsIsLoggedAndClosedAndTheLoopGoesOn() throws Exception {
        ServerSocketChannel unbound = ServerSocketChannel.open(); // polls as hung up: ready at once
        ReactorGroup group = null;
        try (CapturedLog log = new CapturedLog(Reactor.class)) {
            group = new ReactorGroup(ServerConfig.builder().port(0).build(), List.of(unbound), Set.of());
            group.start();
            await().atMost(BOUND).until(() -> !unbound.isOpen());
            assertEquals(List.of("unexpected failure in acceptor"), log.messages(Level.SEVERE));
            assertInstanceOf(NotYetBoundException.class, log.at(Level.SEVERE).get(0).getThrown());
            assertFalse(group.reactor(0).terminated(), "the loop goes on");
            assertNull(group.failure());
        } finally {
            if (group != null) {
                group.shutdown();
                assertTrue(group.awaitTermination(10, TimeUnit.SECONDS));
            }
            unbound.close();
        }
    }

    /** select on a closed selector: the loop ends with that failure; closing everything then fails too. */
    @Test
    void aClosedSelectorEndsTheLoopWithItsFailureLoggedAndTheEndKnown() throws Exception {
        try (CapturedLog log = new CapturedLog(Reactor.class);
             EchoServer server = EchoServer.start(ServerConfig.builder().port(0).build())) {
            Reactor reactor = server.reactor();
            reactor.execute(reactor::closeSelector);
            assertTrue(server.awaitTermination(BOUND), "the loop has ended and says so");
            assertInstanceOf(ClosedSelectorException.class, server.failure());
            assertEquals(List.of("reactor stopped by an unexpected failure", "closing the reactor's channels failed"),
                    log.messages(Level.SEVERE));
            assertSame(server.failure(), log.at(Level.SEVERE).get(0).getThrown());
            Throwable closing = log.at(Level.SEVERE).get(1).getThrown();
            assertInstanceOf(ClosedSelectorException.class, closing, "closing failed too");
            assertEquals(List.of(closing), List.of(server.failure().getSuppressed()), "kept with the failure");
        }
    }

    @Test
    void anErrorEndsTheLoopAfterClosingEverything() throws Exception {
        try (EchoServer server = EchoServer.start(ServerConfig.builder().port(0).build())) {
            CompletableFuture<Throwable> uncaught = catchUncaught(server);
            server.reactor().execute(() -> {
                throw new InjectedError();
            });
            assertTrue(server.awaitTermination(BOUND), "the loop has ended and says so");
            assertInstanceOf(InjectedError.class, server.failure());
            assertSame(server.failure(), uncaught.get(10, TimeUnit.SECONDS), "the thread ends with it");
        }
    }

    @Test
    void anErrorEndsTheLoopEvenWhenClosingEverythingFailsToo() throws Exception {
        try (EchoServer server = EchoServer.start(ServerConfig.builder().port(0).build())) {
            CompletableFuture<Throwable> uncaught = catchUncaught(server);
            Reactor reactor = server.reactor();
            reactor.execute(() -> {
                reactor.closeSelector();
                throw new InjectedError();
            });
            assertTrue(server.awaitTermination(BOUND), "the loop has ended and says so");
            assertInstanceOf(InjectedError.class, server.failure());
            assertSame(server.failure(), uncaught.get(10, TimeUnit.SECONDS), "the thread ends with the error");
            assertInstanceOf(ClosedSelectorException.class, server.failure().getSuppressed()[0], "closing failed too");
        }
    }

    /** The loop ends normally, then closing fails: the server still stopped by a failure (the command exits 1). */
    @Test
    void aShutdownWhoseClosingFailsStillEndsTheLoopWithThatFailure() throws Exception {
        try (CapturedLog log = new CapturedLog(Reactor.class);
             EchoServer server = EchoServer.start(ServerConfig.builder().port(0).build())) {
            Reactor reactor = server.reactor();
            reactor.execute(() -> {
                reactor.beginShutdown();
                reactor.closeSelector();
            });
            assertTrue(server.awaitTermination(BOUND), "the loop has ended and says so");
            assertInstanceOf(ClosedSelectorException.class, server.failure(), "closing failed");
            assertEquals(List.of("closing the reactor's channels failed"), log.messages(Level.SEVERE));
            assertSame(server.failure(), log.at(Level.SEVERE).get(0).getThrown());
        }
    }

    /** A reactor whose listening socket cannot be set up (closed) closes the selector it opened. */
    @Test
    void aReactorThatCannotBeBuiltLeavesNoSelectorOpen() throws Exception {
        ServerConfig config = ServerConfig.builder().port(0).build();
        ServerSocketChannel closed = ServerSocketChannel.open();
        closed.close();
        long before = selectorsOpen();
        assertThrows(ClosedChannelException.class, () -> new ReactorGroup(config, List.of(closed), Set.of()));
        await().atMost(BOUND).until(() -> selectorsOpen() <= before);
    }

    /** Records what ends the reactor thread instead of printing it. */
    private static CompletableFuture<Throwable> catchUncaught(EchoServer server) {
        CompletableFuture<Throwable> uncaught = new CompletableFuture<>();
        server.reactorThread().setUncaughtExceptionHandler((thread, e) -> uncaught.complete(e));
        return uncaught;
    }

    /** The epoll instances this process has open: one per open selector. */
    private static long selectorsOpen() throws IOException {
        long count = 0;
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    if (Files.readSymbolicLink(fd).toString().equals("anon_inode:[eventpoll]")) {
                        count++;
                    }
                } catch (NoSuchFileException closedMeanwhile) {
                    // closed since listed
                }
            }
        }
        return count;
    }
}
