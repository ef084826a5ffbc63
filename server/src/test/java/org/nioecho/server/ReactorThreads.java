package org.nioecho.server;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * How often the reactor threads of this JVM woke up, from the kernel's
 * {@code /proc/self/task/TID/status}: each select that blocked and returned is one voluntary
 * context switch, so a reactor that sleeps until its next deadline adds a few, one that
 * selects with a 1 ms timeout adds one per millisecond, however loaded the machine is.
 */
final class ReactorThreads {
    /** The quiet spell {@link #assertSleeps} watches. */
    static final Duration QUIET = Duration.ofMillis(400);
    /** Wake-ups allowed in {@link #QUIET}: one per 10 ms is already a busy loop; a sleeping reactor has a handful. */
    static final long MAX_WAKEUPS = 40;

    private ReactorThreads() {
    }

    /** Waits out {@link #QUIET} while {@code steady} holds, and checks the reactors slept through it. */
    static void assertSleeps(Callable<Boolean> steady, String state) throws IOException {
        long before = wakeups();
        await().during(QUIET).atMost(QUIET.multipliedBy(10)).until(steady);
        long woke = wakeups() - before;
        assertTrue(woke < MAX_WAKEUPS, state + ": the reactor woke up " + woke + " times in about " + QUIET.toMillis() + " ms");
    }

    /** The voluntary context switches of every {@code nioecho-reactor} thread, summed. */
    static long wakeups() throws IOException {
        long sum = 0;
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    if (Files.readString(task.resolve("comm")).trim().equals("nioecho-reactor")) {
                        sum += voluntarySwitches(Files.readString(task.resolve("status")));
                    }
                } catch (IOException e) {
                    // the thread ended meanwhile: it wakes no more
                }
            }
        }
        return sum;
    }

    private static long voluntarySwitches(String status) {
        for (String line : status.split("\n")) {
            if (line.startsWith("voluntary_ctxt_switches:")) {
                return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        throw new IllegalStateException("no voluntary_ctxt_switches in /proc/self/task/*/status");
    }
}
