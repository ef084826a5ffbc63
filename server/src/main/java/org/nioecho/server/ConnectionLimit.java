package org.nioecho.server;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code --max-connections} for every reactor together: one shared count of open connections,
 * touched once when a connection is accepted and once when it closes (never per message).
 * The acceptor takes a slot before it hands a channel on, so the limit holds exactly however
 * many reactors serve.
 */
final class ConnectionLimit {
    private final int maxConnections;
    private final AtomicInteger open = new AtomicInteger();

    ConnectionLimit(int maxConnections) {
        this.maxConnections = maxConnections;
    }

    /** Takes a slot for a new connection; false (and nothing taken) if the limit is reached. */
    boolean tryAcquire() {
        for (int current = open.get(); current < maxConnections; current = open.get()) {
            if (open.compareAndSet(current, current + 1)) {
                return true;
            }
        }
        return false;
    }

    /** Gives back the slot of a closed connection. */
    void release() {
        open.decrementAndGet();
    }

    /** Connections holding a slot now. */
    int open() {
        return open.get();
    }

    int maxConnections() {
        return maxConnections;
    }
}
