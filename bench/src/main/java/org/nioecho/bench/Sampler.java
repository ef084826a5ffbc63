package org.nioecho.bench;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Samples a server's {@link ProcessTree} at a fixed period on its own daemon thread, so
 * CPU can be attributed to a time window and the peaks of memory and threads are seen.
 */
final class Sampler implements AutoCloseable {
    private final long pid;
    private final long periodMillis;
    private final List<ProcessTree.Sample> samples = new ArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile String problem;

    private Sampler(long pid, Duration period) {
        this.pid = pid;
        this.periodMillis = period.toMillis();
        this.thread = new Thread(this::loop, "sampler-" + pid);
        this.thread.setDaemon(true);
    }

    /** Takes a first sample now, then one every {@code period}. */
    static Sampler start(long pid, Duration period) throws IOException {
        Sampler sampler = new Sampler(pid, period);
        sampler.add(ProcessTree.sample(pid));
        sampler.thread.start();
        return sampler;
    }

    private void loop() {
        try {
            while (running) {
                Thread.sleep(periodMillis); // the sampling period, not synchronisation
                add(ProcessTree.sample(pid));
            }
        } catch (NoSuchFileException e) {
            problem = "the server process ended during the run";
        } catch (IOException e) {
            problem = ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)
                    ? "reading /proc for " + pid + " failed: " + e.getMessage()
                    : "the server process ended during the run";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void add(ProcessTree.Sample sample) {
        synchronized (samples) {
            samples.add(sample);
        }
    }

    /** Stops sampling, takes a last sample and returns them all, oldest first. */
    List<ProcessTree.Sample> stop() throws IOException, InterruptedException {
        close();
        add(ProcessTree.sample(pid));
        synchronized (samples) {
            return List.copyOf(samples);
        }
    }

    /** Why sampling stopped early, or null. */
    String problem() {
        return problem;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join(5_000);
    }

    /** CPU seconds per second between the first sample at/after {@code fromNanos} and the last at/before {@code toNanos}; NaN if under half the window is covered. */
    static double cpuRate(List<ProcessTree.Sample> samples, long fromNanos, long toNanos) {
        ProcessTree.Sample first = null;
        ProcessTree.Sample last = null;
        for (ProcessTree.Sample s : samples) {
            if (first == null && s.nanoTime() >= fromNanos) {
                first = s;
            }
            if (s.nanoTime() <= toNanos) {
                last = s;
            }
        }
        if (first == null || last == null || last.nanoTime() - first.nanoTime() < (toNanos - fromNanos) / 2) {
            return Double.NaN;
        }
        return (last.cpuSeconds() - first.cpuSeconds()) / ((last.nanoTime() - first.nanoTime()) / 1e9);
    }

    static long peakRss(List<ProcessTree.Sample> samples) {
        long peak = 0;
        for (ProcessTree.Sample s : samples) {
            peak = Math.max(peak, Math.max(s.rssBytes(), s.hwmBytes()));
        }
        return peak;
    }

    static int peakThreads(List<ProcessTree.Sample> samples) {
        int peak = 0;
        for (ProcessTree.Sample s : samples) {
            peak = Math.max(peak, s.threads());
        }
        return peak;
    }
}
