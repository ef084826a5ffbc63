package org.nioecho.client.load;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.channels.Selector;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Wakes a rate-mode worker's {@code select} at a deadline the worker arms, so the worker can
 * block in {@code select} (and see an echo the moment it comes) until just before a send:
 * {@code select}'s own timeout counts whole milliseconds, a park is much finer. One daemon
 * thread per worker; it parks while nothing is armed and until the armed deadline, then calls
 * {@link Selector#wakeup()} once and disarms.
 */
final class SelectWaker implements Runnable {
    private static final ThreadMXBean THREAD_CPU = ManagementFactory.getThreadMXBean();
    /** Deadline value meaning none armed (a {@code System.nanoTime()} of exactly 0 is then missed: the select's timeout covers it). */
    private static final long NONE = 0;

    private final Selector selector;
    private final Thread thread;
    private final AtomicLong deadline = new AtomicLong(NONE);
    private volatile boolean stopped;

    SelectWaker(Selector selector, String name) {
        this.selector = selector;
        this.thread = new Thread(this, name);
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** From the worker: wake its selector at {@code nanos} ({@code System.nanoTime()}); replaces the armed deadline. */
    void wakeAt(long nanos) {
        long armed = deadline.getAndSet(nanos);
        if (armed != nanos && (armed == NONE || nanos - armed < 0)) {
            LockSupport.unpark(thread); // it sleeps until the old, later deadline or for ever
        }
    }

    /** Whether a deadline is armed and has not fired yet. */
    boolean armed() {
        return deadline.get() != NONE;
    }

    @Override
    public void run() {
        while (!stopped) {
            long due = deadline.get();
            long left = due - System.nanoTime();
            if (due == NONE) {
                LockSupport.park(this);
            } else if (left > 0) {
                LockSupport.parkNanos(this, left);
            } else if (deadline.compareAndSet(due, NONE)) { // not re-armed meanwhile
                selector.wakeup();
            }
        }
    }

    /** CPU time this thread used so far, in ns (0 before it started or after it ended). */
    long cpuNanos() {
        return Math.max(0, THREAD_CPU.getThreadCpuTime(thread.getId()));
    }

    Thread.State state() {
        return thread.getState();
    }

    /** Ends the thread and waits for it, at most 1 s (it is a daemon anyway). */
    void stop() throws InterruptedException {
        stopped = true;
        LockSupport.unpark(thread);
        thread.join(TimeUnit.SECONDS.toMillis(1));
    }
}
