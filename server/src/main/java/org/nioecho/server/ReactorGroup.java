package org.nioecho.server;

import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The reactor threads of one server ({@code --reactors N}): Doug Lea's main/sub reactor. The
 * first reactor owns the listening socket; its acceptor takes a slot of the shared
 * {@link ConnectionLimit} and hands each connection to the reactors in turn (itself
 * included) through their task queues. Each reactor has its own counters (summed by
 * {@link #metrics()}) and an even share of the output budget.
 *
 * <p>Shutdown goes to the first reactor, which stops accepting and only then tells the
 * others: every hand-off it sent is in their queues before the shutdown, so no handed-off
 * channel can arrive after a reactor has finished. The group has ended when every reactor
 * has drained and ended; if one fails, the whole group shuts down.
 */
final class ReactorGroup {
    private final Reactor[] reactors;
    private final Thread[] threads;
    private final List<CompletableFuture<Void>> stopped = new ArrayList<>();
    private final ConnectionLimit limit;
    private final FaultPlan faultPlan;
    private final ServerMetrics metrics;
    private int next; // the accepting reactor's thread only

    /** {@code config.reactors()} reactors (none started yet); the first accepts on every one of {@code listeners}. */
    ReactorGroup(ServerConfig config, List<ServerSocketChannel> listeners, Set<ServerSocketChannel> tlsListeners)
            throws IOException {
        this(config, listeners, tlsListeners, config.reactors());
    }

    /**
     * {@code count} reactors (none started yet); the first accepts on every one of
     * {@code listeners} (one reactor serves an inherited connection, whatever {@code --reactors} says).
     */
    ReactorGroup(ServerConfig config, List<ServerSocketChannel> listeners, Set<ServerSocketChannel> tlsListeners,
                 int count) throws IOException {
        this.limit = new ConnectionLimit(config.maxConnections());
        this.faultPlan = new FaultPlan(config.faults(), config.faultSeed());
        this.reactors = new Reactor[count];
        this.threads = new Thread[count];
        List<ServerMetrics> parts = new ArrayList<>(count);
        try {
            for (int i = 0; i < count; i++) {
                ServerMetrics part = new ServerMetrics();
                parts.add(part);
                reactors[i] = new Reactor(config, i == 0 ? listeners : List.of(), i == 0 ? tlsListeners : Set.of(), part, this,
                        outputBudgetBytes(config.maxOutputMemoryBytes(), count, i));
            }
        } catch (IOException | RuntimeException | Error e) {
            closeSelectors();
            throw e;
        }
        this.metrics = count == 1 ? parts.get(0) : ServerMetrics.totalOf(parts);
        for (int i = 0; i < count; i++) {
            int index = i;
            CompletableFuture<Void> done = new CompletableFuture<>();
            stopped.add(done);
            threads[i] = new Thread(() -> run(index, done), count == 1 ? "nioecho-reactor" : "nioecho-reactor-" + i);
        }
    }

    /**
     * Reactor {@code index}'s share of {@code --max-output-memory}: an even split, the
     * remainder to the first, so that the shares add up to the budget exactly.
     */
    static long outputBudgetBytes(long budgetBytes, int count, int index) {
        long share = budgetBytes / count;
        return index == 0 ? share + budgetBytes % count : share;
    }

    private void run(int index, CompletableFuture<Void> done) {
        Reactor reactor = reactors[index];
        try {
            reactor.run();
        } finally {
            try {
                if (reactor.failure() != null) {
                    shutdown(); // one reactor failed: the server stops, the others drain
                } else if (index == 0) {
                    shutdownBegun(reactor); // the accepting reactor has ended: the others drain too
                }
            } finally {
                done.complete(null);
            }
        }
    }

    void start() {
        for (Thread thread : threads) {
            thread.start();
        }
    }

    /** The connections' limit, shared by every reactor. */
    ConnectionLimit limit() {
        return limit;
    }

    /** The faults new connections draw from; drawn on the accepting reactor only. */
    FaultPlan faultPlan() {
        return faultPlan;
    }

    /** The reactor that serves the next connection {@code acceptor} accepted: each in turn. */
    Reactor next(Reactor acceptor) {
        if (reactors.length == 1) {
            return acceptor;
        }
        Reactor target = reactors[next];
        next = next + 1 == reactors.length ? 0 : next + 1;
        return target;
    }

    /** Starts a graceful shutdown of every reactor; safe from any thread, idempotent. */
    void shutdown() {
        Reactor first = reactors[0];
        if (!first.terminated()) {
            first.execute(first::beginShutdown);
        } else {
            shutdownBegun(first);
        }
    }

    /** Called on {@code reactor}'s thread when it has begun to shut down (or ended). */
    void shutdownBegun(Reactor reactor) {
        if (reactor == reactors[0]) {
            for (int i = 1; i < reactors.length; i++) {
                Reactor other = reactors[i];
                other.execute(other::beginShutdown);
            }
        }
    }

    /** Waits for every reactor to end; true if all did within the timeout. */
    boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        for (Reactor reactor : reactors) {
            if (!reactor.awaitTermination(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) {
                return false;
            }
        }
        return true;
    }

    /** True once every reactor has ended. */
    boolean terminated() {
        for (Reactor reactor : reactors) {
            if (!reactor.terminated()) {
                return false;
            }
        }
        return true;
    }

    /** The first unexpected error that ended a reactor, or null. */
    Throwable failure() {
        for (Reactor reactor : reactors) {
            if (reactor.failure() != null) {
                return reactor.failure();
            }
        }
        return null;
    }

    /** Interrupts every reactor thread (each clears it, says so and keeps serving). */
    void interrupt() {
        for (Thread thread : threads) {
            thread.interrupt();
        }
    }

    /** The counters: the one reactor's own, or a view summing every reactor's. */
    ServerMetrics metrics() {
        return metrics;
    }

    int size() {
        return reactors.length;
    }

    Reactor reactor(int index) {
        return reactors[index];
    }

    Thread thread(int index) {
        return threads[index];
    }

    /** Completes when reactor {@code index}'s thread has ended. */
    CompletableFuture<Void> stopped(int index) {
        return stopped.get(index);
    }

    /** For a group whose threads never started (a failed start). */
    void closeSelectors() {
        for (Reactor reactor : reactors) {
            if (reactor != null) {
                reactor.closeSelector();
            }
        }
    }
}
