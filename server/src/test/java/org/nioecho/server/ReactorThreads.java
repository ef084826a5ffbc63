package org.nioecho.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How often the reactor threads of this JVM woke up, from the kernel's
 * {@code /proc/self/task/TID/status}: each select that blocked and returned is one voluntary
 * context switch, so a reactor that sleeps until its next deadline adds a few, one that
 * selects with a 1 ms timeout adds one per millisecond, however loaded the machine is.
 */
final class ReactorThreads {
    private ReactorThreads() {
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
