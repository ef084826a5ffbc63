package org.nioecho.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A server's resource use as the kernel counts it, from {@code /proc}: CPU time, resident
 * memory and threads of the process and every live descendant (a forking server's
 * children), plus the CPU of the children they already reaped. For a JVM it is one process.
 * For a tree, resident memory is the sum of each process's RSS, so pages shared between
 * the processes (libraries, copy-on-write) count once per process: an overstatement.
 *
 * <pre>{@code
 * ProcessTree.Sample before = ProcessTree.sample(pid);
 * ...
 * double cpuSeconds = ProcessTree.sample(pid).cpuSeconds() - before.cpuSeconds();
 * }</pre>
 */
final class ProcessTree {
    /** Clock ticks per second of {@code /proc/PID/stat} (USER_HZ, 100 on Linux). */
    static final int TICKS_PER_SECOND = 100;

    /**
     * One reading.
     *
     * @param cpuTicks   user + system time of the tree (reaped children included), in ticks
     * @param rssBytes   resident memory now, summed over the tree (shared pages once per process)
     * @param hwmBytes   the root process's peak resident memory so far (VmHWM)
     * @param threads    threads now, summed over the tree
     * @param processes  processes in the tree
     */
    record Sample(long nanoTime, long cpuTicks, long rssBytes, long hwmBytes, int threads, int processes) {
        double cpuSeconds() {
            return (double) cpuTicks / TICKS_PER_SECOND;
        }
    }

    private ProcessTree() {
    }

    /** Reads the tree of {@code pid} now; throws {@link NoSuchFileException} (or another IOException) once the root is gone. */
    static Sample sample(long pid) throws IOException {
        long now = System.nanoTime();
        List<Long> pids = new ArrayList<>();
        pids.add(pid);
        ProcessHandle.of(pid).ifPresent(root -> root.descendants().forEach(p -> pids.add(p.pid())));
        long ticks = 0;
        long rss = 0;
        long hwm = 0;
        int threads = 0;
        int processes = 0;
        for (long p : pids) {
            boolean root = p == pid;
            try {
                // every process's reaped children too: a forking server's parent reaps its children, and
                // a child that is reaped leaves the live set as its time enters its parent's total
                ticks += cpuTicks(Files.readString(Path.of("/proc", Long.toString(p), "stat")), true);
                String status = Files.readString(Path.of("/proc", Long.toString(p), "status"));
                rss += statusKiB(status, "VmRSS:") * 1024;
                threads += (int) statusKiB(status, "Threads:");
                if (root) {
                    hwm = statusKiB(status, "VmHWM:") * 1024;
                }
                processes++;
            } catch (IOException e) { // NoSuchFileException, or "No such process" mid-read
                if (root) {
                    throw e;
                }
                // a child that exited between listing and reading: its time moves to the parent's reaped total
            }
        }
        return new Sample(now, ticks, rss, hwm, threads, processes);
    }

    /** utime + stime (+ cutime + cstime of reaped children for the root) from a stat line. */
    static long cpuTicks(String stat, boolean withReapedChildren) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        // after "pid (comm) ": f[0] is state (field 3), so field n is f[n - 3]
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
        if (withReapedChildren) {
            ticks += Long.parseLong(f[13]) + Long.parseLong(f[14]);
        }
        return ticks;
    }

    /** The number after {@code key} in a status file (kB for memory lines), 0 if absent. */
    static long statusKiB(String status, String key) {
        int at = status.indexOf(key);
        if (at < 0) {
            return 0;
        }
        int end = status.indexOf('\n', at);
        String value = status.substring(at + key.length(), end < 0 ? status.length() : end).trim();
        int space = value.indexOf(' ');
        return Long.parseLong(space < 0 ? value : value.substring(0, space));
    }
}
