package org.nioecho.server;

import io.micrometer.core.instrument.MeterRegistry;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * A running echo server: its listening sockets ({@link Listeners}) and the one reactor
 * thread that serves them all; or one connection a super-server handed over
 * ({@link #serveInherited}).
 *
 * <pre>{@code
 * try (EchoServer server = EchoServer.start(ServerConfig.builder().port(0).build())) {
 *     int port = server.address().getPort();
 *     ...
 * } // close() shuts down gracefully: stop accepting, send what is owed, FIN, wait
 * }</pre>
 */
public final class EchoServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(EchoServer.class.getName());
    private final ServerConfig config;
    private final ServerMetrics metrics;
    private final Reactor reactor;
    private final Thread thread;
    private final List<InetSocketAddress> addresses;
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private volatile boolean draining;

    private EchoServer(ServerConfig config, ServerMetrics metrics, Reactor reactor, List<InetSocketAddress> addresses) {
        this.config = config;
        this.metrics = metrics;
        this.reactor = reactor;
        this.addresses = addresses;
        this.thread = new Thread(() -> {
            try {
                reactor.run();
            } finally {
                stopped.complete(null);
            }
        }, "nioecho-reactor");
    }

    /** Binds the config's address and starts serving; throws {@link CannotListenException} if it cannot be bound. */
    public static EchoServer start(ServerConfig config) throws IOException {
        return start(config, null);
    }

    /** Binds the config's address, registers the server's meters on {@code registry} (if not null) and starts serving. */
    public static EchoServer start(ServerConfig config, MeterRegistry registry) throws IOException {
        Objects.requireNonNull(config, "config");
        InetSocketAddress address = new InetSocketAddress(config.bindAddress(), config.port());
        return start(config, Listeners.bind(List.of(address), config.backlog()), registry);
    }

    /**
     * Serves every socket of {@code listeners} on one reactor; the server owns them from now
     * on (they are closed on shutdown, or here if the start fails).
     */
    public static EchoServer start(ServerConfig config, Listeners listeners, MeterRegistry registry) throws IOException {
        Objects.requireNonNull(config, "config");
        Reactor reactor = null;
        try {
            ServerMetrics metrics = new ServerMetrics();
            reactor = new Reactor(config, listeners.channels(), metrics);
            if (listeners.isInherited()) {
                reactor.leaveListenersOpen();
            }
            return startReactor(config, metrics, reactor, listeners.addresses(), registry);
        } catch (Throwable e) {
            // Nothing runs yet: close what was opened (the selector too), then report.
            if (reactor != null) {
                reactor.closeSelector();
            }
            try {
                listeners.close();
            } catch (IOException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }

    /**
     * Serves {@code connection}, handed over by a super-server (systemd {@code Accept=yes},
     * inetd {@code nowait}), with the same connection code and close causes as an accepted
     * one; the server stops by itself when the connection ends. It has no listening address.
     */
    public static EchoServer serveInherited(ServerConfig config, SocketChannel connection, MeterRegistry registry)
            throws IOException {
        Objects.requireNonNull(config, "config");
        Reactor reactor = null;
        try {
            ServerMetrics metrics = new ServerMetrics();
            reactor = new Reactor(config, List.of(), metrics);
            reactor.serveOnly(connection);
            return startReactor(config, metrics, reactor, List.of(), registry);
        } catch (Throwable e) {
            if (reactor != null) {
                reactor.closeSelector();
            }
            connection.close();
            throw e;
        }
    }

    private static EchoServer startReactor(ServerConfig config, ServerMetrics metrics, Reactor reactor,
                                           List<InetSocketAddress> addresses, MeterRegistry registry) {
        if (registry != null) {
            metrics.bindTo(registry);
        }
        EchoServer server = new EchoServer(config, metrics, reactor, addresses);
        server.thread.start();
        return server;
    }

    /** The first bound address (with the real port when 0 was asked for). */
    public InetSocketAddress address() {
        if (addresses.isEmpty()) {
            throw new IllegalStateException("serving an inherited connection: no listening address");
        }
        return addresses.get(0);
    }

    /** Every bound address, in the order they were asked for; empty when serving an inherited connection. */
    public List<InetSocketAddress> addresses() {
        return addresses;
    }

    /** The server's counters (read from any thread; values may be a moment old). */
    public ServerMetrics metrics() {
        return metrics;
    }

    /** The live fault plan: new connections draw from it; {@link FaultPlan#replace} changes it at run time. */
    public FaultPlan faultPlan() {
        return reactor.faultPlan();
    }

    /**
     * Starts a graceful shutdown and returns at once; calling it again does nothing more.
     * {@link #draining()} is true before the reactor closes anything.
     */
    public void shutdown() {
        draining = true;
        reactor.execute(reactor::beginShutdown);
    }

    /** True from the moment {@link #shutdown()} is called (SIGTERM): no longer accepting, or about to stop. */
    public boolean draining() {
        return draining;
    }

    /** How long ago the reactor last completed a turn (the oldest heartbeat, with several). */
    public Duration heartbeatAge() {
        return Duration.ofNanos(reactor.heartbeatAgeNanos());
    }

    /** Makes the reactor turn at least every {@code period}, so that an idle one still beats. */
    public void beatEvery(Duration period) {
        long periodNanos = period.toNanos();
        reactor.execute(() -> reactor.beatEvery(periodNanos));
    }

    /** Waits for the reactor to end; true if it did within {@code timeout}. */
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return reactor.awaitTermination(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** The unexpected error that stopped the reactor, or null. */
    public Throwable failure() {
        return reactor.failure();
    }

    /** Stops accepting new connections (they wait in the backlog) until {@link #resumeAccepting()}. */
    public void pauseAccepting() {
        onReactor(reactor::pauseAccepting);
    }

    /** Accepts again after {@link #pauseAccepting()}. */
    public void resumeAccepting() {
        onReactor(reactor::resumeAccepting);
    }

    /**
     * The metrics summary line, read on the reactor thread so that it is consistent; after
     * the server has stopped, read at once (the counters are final then).
     */
    public String summary() {
        return onReactor(metrics::summary, true);
    }

    private void onReactor(Runnable action) {
        onReactor(() -> {
            action.run();
            return null;
        }, false);
    }

    /**
     * Runs {@code action} on the reactor thread and waits for its answer. Once the loop has
     * ended, no task runs any more: then {@code action} runs here if {@code afterStop}
     * allows it (it only reads final values), else this fails at once.
     */
    private <T> T onReactor(Supplier<T> action, boolean afterStop) {
        CompletableFuture<T> done = new CompletableFuture<>();
        if (!reactor.terminated()) {
            reactor.execute(() -> done.complete(action.get()));
        }
        try {
            // Wait for the answer, or for the loop to end: a task sent as it ended never runs.
            CompletableFuture.anyOf(done, stopped).get(10, TimeUnit.SECONDS);
            if (done.isDone()) {
                return done.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the reactor", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("the reactor did not run the request", e);
        }
        if (afterStop) {
            return action.get();
        }
        throw new IllegalStateException("the server has stopped");
    }

    /** The reactor, for tests in this package. */
    Reactor reactor() {
        return reactor;
    }

    /** Interrupts the reactor thread (for the notes' signal and EINTR cases); it keeps serving. */
    public void interruptReactor() {
        thread.interrupt();
    }

    /** Shuts down gracefully and waits up to the drain timeout plus a margin. */
    @Override
    public void close() {
        shutdown();
        try {
            if (!awaitTermination(config.drainTimeout().plusSeconds(5))) {
                LOG.log(Level.WARNING, "reactor did not stop within the drain timeout");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
