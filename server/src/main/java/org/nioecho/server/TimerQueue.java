package org.nioecho.server;

import java.lang.System.Logger.Level;
import java.util.PriorityQueue;

/**
 * The reactor's connection timers: a min-heap of (deadline, connection). A connection arms
 * one deadline at a time (e.g. {@link Connection#armTimer}); an entry whose deadline is no longer
 * the one its connection armed (re-armed earlier, fired, or closed) is dropped when it comes
 * due. Each turn fires at most {@code maxPerTurn} due entries, and the earliest deadline
 * bounds the select timeout. Only connections with faults, and TLS handshakes, use it: no entry, no cost.
 * Stale entries are purged whenever the heap has doubled since the last purge, so it holds
 * at most about twice the live timers (one per connection) plus {@value #MIN_PURGE_SIZE}.
 * Reactor thread only.
 */
final class TimerQueue {
    private static final System.Logger LOG = System.getLogger(TimerQueue.class.getName());
    private static final int MIN_PURGE_SIZE = 1024;

    private record Entry(long atNanos, PeerConnection connection) {
    }

    private final PriorityQueue<Entry> heap = new PriorityQueue<>((a, b) -> Long.compare(a.atNanos - b.atNanos, 0));
    private final int maxPerTurn;
    private int purgeAtSize = MIN_PURGE_SIZE;

    TimerQueue(int maxPerTurn) {
        this.maxPerTurn = maxPerTurn;
    }

    void schedule(long atNanos, PeerConnection connection) {
        if (heap.size() >= purgeAtSize) {
            heap.removeIf(entry -> !entry.connection.timerArmedAt(entry.atNanos));
            purgeAtSize = Math.max(MIN_PURGE_SIZE, 2 * heap.size());
        }
        heap.add(new Entry(atNanos, connection));
    }

    /** The earliest deadline, or {@link Long#MAX_VALUE} when none is set. */
    long nextNanos() {
        Entry first = heap.peek();
        return first == null ? Long.MAX_VALUE : first.atNanos;
    }

    boolean isEmpty() {
        return heap.isEmpty();
    }

    /** Fires the entries due at {@code nowNanos}, at most {@code maxPerTurn} of them. */
    void fire(long nowNanos) {
        for (int fired = 0; fired < maxPerTurn; fired++) {
            Entry first = heap.peek();
            if (first == null || nowNanos - first.atNanos < 0) {
                return;
            }
            heap.poll();
            try {
                first.connection.timerDue(first.atNanos, nowNanos);
            } catch (RuntimeException e) { // one connection's failure must not stop the reactor
                LOG.log(Level.ERROR, "unexpected failure in the timer of " + first.connection, e);
                first.connection.close(CloseCause.ERROR);
            }
        }
    }

    int size() {
        return heap.size();
    }
}
