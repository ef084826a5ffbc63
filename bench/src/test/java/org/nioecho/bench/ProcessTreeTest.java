package org.nioecho.bench;

import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProcessTreeTest {
    @Test
    void readsCpuTicksEvenWhenTheCommandNameHasSpacesAndParentheses() {
        String stat = "4242 (java (x) y) S 1 4242 4242 0 -1 4194560 100 0 0 0 150 25 7 3 20 0 17 0 1000 1 1";
        assertEquals(150 + 25, ProcessTree.cpuTicks(stat, false));
        assertEquals(150 + 25 + 7 + 3, ProcessTree.cpuTicks(stat, true));
    }

    @Test
    void readsStatusFields() {
        String status = "Name:\tjava\nVmHWM:\t   61234 kB\nVmRSS:\t   51234 kB\nThreads:\t17\n";
        assertEquals(61234, ProcessTree.statusKiB(status, "VmHWM:"));
        assertEquals(51234, ProcessTree.statusKiB(status, "VmRSS:"));
        assertEquals(17, ProcessTree.statusKiB(status, "Threads:"));
        assertEquals(0, ProcessTree.statusKiB(status, "VmSwap:"));
    }

    /**
     * The kernel reports VmHWM as the larger of the recorded peak and the current RSS, computed in
     * the same read of {@code /proc/PID/status} that reports VmRSS, so for one process the peak is
     * never below what it holds: an exact bound, no slack. (For a tree it would not hold: RSS is
     * summed over the tree, the peak is the root's; this JVM has no child process while it runs.)
     */
    @Test
    void samplesThisJvm() throws IOException {
        ProcessTree.Sample sample = ProcessTree.sample(ProcessHandle.current().pid());
        assertEquals(1, sample.processes(), "the test JVM runs no child process now: " + sample);
        assertTrue(sample.threads() > 1, "a JVM has several threads: " + sample);
        assertTrue(sample.rssBytes() > 1 << 20, "and some resident memory: " + sample);
        assertTrue(sample.hwmBytes() >= sample.rssBytes(), "its peak is not below what it holds: " + sample);
        assertTrue(sample.cpuTicks() > 0, "it has run: " + sample);
    }
}
