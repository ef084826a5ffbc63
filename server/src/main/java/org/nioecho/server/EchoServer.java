package org.nioecho.server;

import io.micrometer.core.instrument.MeterRegistry;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
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
 * A running echo server: its listening sockets ({@link Listeners}) and the reactor thread
 * that serves them (or, with {@code --reactors N}, its {@link ReactorGroup} of N threads, the
 * first accepting for all); or one connection a super-server handed over ({@link #serveInherited}).
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
    private final ReactorGroup group;
    private final Reactor reactor; // the first (accepting) reactor
    private final List<InetSocketAddress> addresses;
    private final CompletableFuture<Void> stopped;
    private volatile boolean draining;

    private EchoServer(ServerConfig config, ReactorGroup group, List<InetSocketAddress> addresses) {
        this.config = config;
        this.group = group;
        this.metrics = group.metrics();
        this.reactor = group.reactor(0);
        this.addresses = List.copyOf(addresses);
        this.stopped = group.stopped(0);
    }

    /** Binds the config's address and starts serving; throws {@link CannotListenException} if it cannot be bound. */
    public static EchoServer start(ServerConfig config) throws IOException {
        return start(config, null);
    }

    /**
     * Binds the config's address (a TLS listener when {@code config.tls()} is set), registers the
     * server's meters on {@code registry} (if not null) and starts serving.
     */
    public static EchoServer start(ServerConfig config, MeterRegistry registry) throws IOException {
        Objects.requireNonNull(config, "config");
        InetSocketAddress address = new InetSocketAddress(config.bindAddress(), config.port());
        List<InetSocketAddress> one = List.of(address);
        return start(config, config.tls() == null ? Listeners.bind(one, config.backlog(), config.udp())
                : Listeners.bind(List.of(), one, config.backlog(), config.udp()), registry);
    }

    /**
     * Serves every socket of {@code listeners}, accepted on the first reactor; the server owns
     * them from now on (they are closed on shutdown, or here if the start fails).
     */
    public static EchoServer start(ServerConfig config, Listeners listeners, MeterRegistry registry) throws IOException {
        Objects.requireNonNull(config, "config");
        ReactorGroup group = null;
        try {
            group = new ReactorGroup(config, listeners.channels(), listeners.tlsChannels());
            Reactor first = group.reactor(0);
            if (listeners.isInherited()) {
                first.leaveListenersOpen();
            }
            for (DatagramChannel datagrams : listeners.datagrams()) {
                first.serveDatagrams(datagrams);
            }
            if (config.reactors() > 1) {
                LOG.log(Level.INFO, config.reactors() + " reactor threads; the first accepts and hands connections to all in turn");
            }
            return startGroup(config, group, listeners.addresses(), registry);
        } catch (Throwable e) {
            // Nothing runs yet: close what was opened (the selectors too), then report.
            if (group != null) {
                group.closeSelectors();
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
     * one, on one reactor; the server stops by itself when the connection ends. It has no
     * listening address.
     */
    public static EchoServer serveInherited(ServerConfig config, SocketChannel connection, MeterRegistry registry)
            throws IOException {
        Objects.requireNonNull(config, "config");
        ReactorGroup group = null;
        try {
            group = new ReactorGroup(config, List.of(), java.util.Set.of(), 1);
            group.reactor(0).serveOnly(connection);
            return startGroup(config, group, List.of(), registry);
        } catch (Throwable e) {
            if (group != null) {
                group.closeSelectors();
            }
            connection.close();
            throw e;
        }
    }

    private static EchoServer startGroup(ServerConfig config, ReactorGroup group, List<InetSocketAddress> addresses,
                                         MeterRegistry registry) {
        if (registry != null) {
            group.metrics().bindTo(registry);
        }
        EchoServer server = new EchoServer(config, group, addresses);
        group.start();
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
        group.shutdown();
    }

    /** True from the moment {@link #shutdown()} is called (SIGTERM): no longer accepting, or about to stop. */
    public boolean draining() {
        return draining;
    }

    /** How long ago a reactor last completed a turn: the oldest heartbeat of them all. */
    public Duration heartbeatAge() {
        long oldest = 0;
        for (int i = 0; i < group.size(); i++) {
            oldest = Math.max(oldest, group.reactor(i).heartbeatAgeNanos());
        }
        return Duration.ofNanos(oldest);
    }

    /** Makes every reactor turn at least every {@code period}, so that an idle one still beats. */
    public void beatEvery(Duration period) {
        long periodNanos = period.toNanos();
        for (int i = 0; i < group.size(); i++) {
            Reactor each = group.reactor(i);
            each.execute(() -> each.beatEvery(periodNanos));
        }
    }

    /** Waits for every reactor to end; true if all did within {@code timeout}. */
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return group.awaitTermination(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** The unexpected error that stopped a reactor, or null. */
    public Throwable failure() {
        return group.failure();
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
        if (group.size() > 1) { // several threads: the totals, each a moment old until all have ended
            return metrics.summary();
        }
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

    /** The (first) reactor's thread, for tests in this package (its allocation counter). */
    Thread reactorThread() {
        return group.thread(0);
    }

    /** The (first) reactor, for tests in this package. */
    Reactor reactor() {
        return reactor;
    }

    /** The reactors, for tests in this package. */
    ReactorGroup reactors() {
        return group;
    }

    /** Interrupts the reactor threads (for the notes' signal and EINTR cases); they keep serving. */
    public void interruptReactor() {
        group.interrupt();
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
