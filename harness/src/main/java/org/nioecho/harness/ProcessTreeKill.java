package org.nioecho.harness;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Ends a process and everything it started: a {@code /bin/sh -c} wrapper's server, a forking
 * server's children. Descendants are found through their parent, so the tree is read while
 * the root still runs; a descendant that outlives its root is reparented and would be lost.
 */
final class ProcessTreeKill {
    /** Rounds of "kill the descendants found now", for a process that forks while it is being killed. */
    private static final int ROUNDS = 3;

    private ProcessTreeKill() {
    }

    /** The root and its descendants now. */
    static List<ProcessHandle> snapshot(ProcessHandle root) {
        List<ProcessHandle> tree = new ArrayList<>();
        tree.add(root);
        root.descendants().forEach(tree::add);
        return tree;
    }

    /** SIGTERM to each process of {@code tree}. */
    static void terminate(List<ProcessHandle> tree) {
        for (ProcessHandle p : tree) {
            p.destroy();
        }
    }

    /**
     * SIGKILL to the descendants of {@code root} and to what still runs of {@code known} (an
     * earlier snapshot), then to {@code root}; waits up to {@code wait} in all for them to end.
     *
     * @return the processes still running after the wait (none, normally)
     */
    static List<ProcessHandle> kill(ProcessHandle root, List<ProcessHandle> known, Duration wait) throws InterruptedException {
        Set<ProcessHandle> killed = new LinkedHashSet<>();
        for (ProcessHandle p : known) {
            if (!p.equals(root) && p.isAlive()) {
                p.destroyForcibly();
                killed.add(p);
            }
        }
        for (int round = 0; round < ROUNDS; round++) {
            List<ProcessHandle> descendants = root.descendants().filter(p -> !killed.contains(p)).toList();
            if (descendants.isEmpty()) {
                break;
            }
            descendants.forEach(ProcessHandle::destroyForcibly);
            killed.addAll(descendants);
        }
        root.destroyForcibly();
        killed.add(root);
        return awaitExit(List.copyOf(killed), wait);
    }

    /**
     * Waits up to {@code wait} in all for every process of {@code processes} to end.
     *
     * @return those still running
     */
    static List<ProcessHandle> awaitExit(List<ProcessHandle> processes, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        List<ProcessHandle> left = new ArrayList<>();
        for (ProcessHandle p : processes) {
            try {
                p.onExit().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                left.add(p);
            } catch (ExecutionException e) {
                throw new IllegalStateException("waiting for " + p.pid() + " failed", e.getCause());
            }
        }
        return left;
    }
}
