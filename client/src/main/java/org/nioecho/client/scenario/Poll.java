package org.nioecho.client.scenario;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/** Bounded polling of a condition the kernel or a process will reach: no unbounded waits. */
final class Poll {
    private Poll() {
    }

    /** A condition that may need I/O to check (e.g. reading /proc). */
    @FunctionalInterface
    interface Condition {
        boolean holds() throws IOException, InterruptedException;
    }

    /** True as soon as {@code condition} holds, false if it still does not after {@code timeout}. */
    static boolean until(Duration timeout, Condition condition) throws IOException, InterruptedException {
        return until(timeout, Duration.ofMillis(2), condition);
    }

    /** As {@link #until(Duration, Condition)}, checking every {@code interval} (for checks that cost a round trip). */
    static boolean until(Duration timeout, Duration interval, Condition condition) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (condition.holds()) {
                return true;
            }
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            if (Thread.interrupted()) {
                throw new InterruptedException("interrupted while polling");
            }
            LockSupport.parkNanos(interval.toNanos());
        }
    }
}
