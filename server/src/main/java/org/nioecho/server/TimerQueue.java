package org.nioecho.server;

import java.util.PriorityQueue;

/**
 * The reactor's connection timers: a min-heap of (deadline, connection). A connection arms
 * one deadline at a time ({@link Connection#armTimer}); an entry whose deadline is no longer
 * the one its connection armed (re-armed earlier, fired, or closed) is dropped when it comes
 * due. Each turn fires at most {@code maxPerTurn} due entries, and the earliest deadline
 * bounds the select timeout. Only connections with faults use it: no entry, no cost.
 * Reactor thread only.
 */
final class TimerQueue {
    private record Entry(long atNanos, Connection connection) {
    }

    private final PriorityQueue<Entry> heap = new PriorityQueue<>((a, b) -> Long.compare(a.atNanos - b.atNanos, 0));
    private final int maxPerTurn;

    TimerQueue(int maxPerTurn) {
        this.maxPerTurn = maxPerTurn;
    }

    void schedule(long atNanos, Connection connection) {
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
            first.connection.timerDue(first.atNanos, nowNanos);
        }
    }

    int size() {
        return heap.size();
    }
}
