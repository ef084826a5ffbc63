package org.nioecho.client.load;

import java.io.IOException;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs a load test: opens the connections on a few selector threads ({@link LoadWorker}),
 * waits until every attempt has settled, then lets traffic flow for the warm-up and the
 * measured duration, drains, and sums up a {@link LoadReport}. A progress line goes to the
 * given consumer about once a second.
 *
 * <pre>{@code
 * LoadReport report = new LoadGenerator(config).run(System.err::println);
 * }</pre>
 */
public final class LoadGenerator {
    private static final long SEED = 0x6e696f6563686fL;
    /** How long past the planned end the workers may overrun before the run is aborted as broken. */
    private static final Duration OVERRUN = Duration.ofSeconds(30);

    private final LoadConfig config;

    public LoadGenerator(LoadConfig config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    /** Runs the test to its end and reports; an unexpected worker failure is thrown. */
    public LoadReport run(Consumer<String> progress) throws IOException, InterruptedException {
        Objects.requireNonNull(progress, "progress");
        int threads = Math.min(config.threads(), config.connections());
        DataPattern data = new DataPattern(SEED);
        CountDownLatch connectPhase = new CountDownLatch(threads);
        CountDownLatch finished = new CountDownLatch(threads);
        LoadWorker[] workers = new LoadWorker[threads];
        for (int i = 0; i < threads; i++) {
            workers[i] = new LoadWorker(config, Selector.open(), data, SEED + i, connectPhase, finished);
        }
        for (int c = 0; c < config.connections(); c++) {
            workers[c % threads].add(config.sourceAddresses().isEmpty() ? null
                    : config.sourceAddresses().get(c % config.sourceAddresses().size()));
        }
        Thread[] running = new Thread[threads];
        for (int i = 0; i < threads; i++) {
            running[i] = new Thread(workers[i], "load-worker-" + i);
            running[i].setDaemon(true);
            running[i].start();
        }
        long begin = System.nanoTime();
        boolean churn = config.mode() == LoadMode.CHURN;
        Progress meter = new Progress(workers, progress, config.mode() == LoadMode.RATE);
        while (!connectPhase.await(1, TimeUnit.SECONDS)) {
            meter.connecting(begin);
        }
        long connectPhaseNanos = System.nanoTime() - begin;
        long trafficStart = System.nanoTime();
        if (!churn && meter.open() == 0) {
            for (LoadWorker w : workers) {
                w.abort();
            }
        } else {
            for (LoadWorker w : workers) {
                w.startTraffic(trafficStart);
            }
        }
        long plannedEnd = trafficStart + config.warmup().plus(config.duration()).plus(config.drainTimeout()).toNanos();
        while (!finished.await(1, TimeUnit.SECONDS)) {
            meter.running(trafficStart, config.warmup().toNanos());
            if (System.nanoTime() - plannedEnd > OVERRUN.toNanos()) {
                for (LoadWorker w : workers) {
                    w.abort();
                }
                if (!finished.await(10, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("load workers did not stop");
                }
            }
        }
        for (Thread t : running) {
            t.join(TimeUnit.SECONDS.toMillis(10));
        }
        LoadWorker.LoadTotals totals = new LoadWorker.LoadTotals();
        for (LoadWorker w : workers) {
            if (w.failure() != null) {
                throw new IllegalStateException("a load worker failed", w.failure());
            }
            w.addTo(totals);
        }
        double connectSeconds = churn ? config.duration().toNanos() / 1e9 : connectPhaseNanos / 1e9;
        return new LoadReport(config, totals, connectSeconds);
    }

    /** The once-a-second progress line. */
    private static final class Progress {
        private final LoadWorker[] workers;
        private final Consumer<String> out;
        private long lastNanos = System.nanoTime();
        private long lastMessages;
        private long lastBytes;
        private boolean measuring;
        private final boolean rate;

        Progress(LoadWorker[] workers, Consumer<String> out, boolean rate) {
            this.workers = workers;
            this.out = out;
            this.rate = rate;
        }

        int open() {
            int open = 0;
            for (LoadWorker w : workers) {
                open += w.publishedOpen();
            }
            return open;
        }

        void connecting(long begin) {
            long connects = 0;
            long errors = 0;
            for (LoadWorker w : workers) {
                connects += w.publishedConnects();
                errors += w.publishedErrors();
            }
            out.accept(String.format(Locale.ROOT, "load %5.1fs connecting: %d open, %d connected, %d errors",
                    (System.nanoTime() - begin) / 1e9, open(), connects, errors));
        }

        void running(long trafficStart, long warmupNanos) {
            long now = System.nanoTime();
            long messages = 0;
            long bytes = 0;
            long errors = 0;
            long bad = 0;
            long behind = 0;
            for (LoadWorker w : workers) {
                behind += w.publishedBehind();
                messages += w.publishedMessages();
                bytes += w.publishedBytesReceived();
                errors += w.publishedErrors();
                bad += w.publishedBadBytes();
            }
            boolean nowMeasuring = now - trafficStart >= warmupNanos;
            if (nowMeasuring && !measuring) { // the counters were reset when the warm-up ended
                measuring = true;
                lastMessages = 0;
                lastBytes = 0;
            }
            double seconds = (now - lastNanos) / 1e9;
            long deltaMessages = Math.max(0, messages - lastMessages);
            long deltaBytes = Math.max(0, bytes - lastBytes);
            out.accept(String.format(Locale.ROOT, "load %5.1fs %s %,.0f msg/s %.1f MB/s, %d open, %d errors, %d bad bytes%s",
                    (now - trafficStart) / 1e9, measuring ? "run:    " : "warm-up:", deltaMessages / seconds,
                    deltaBytes / seconds / 1e6, open(), errors, bad, rate ? ", behind " + behind + " messages" : ""));
            lastNanos = now;
            lastMessages = messages;
            lastBytes = bytes;
        }
    }
}
