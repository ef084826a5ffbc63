package org.nioecho.client.load;

import java.io.IOException;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Runs {@code load --udp}: one {@link UdpLoadWorker} thread with every flow, a progress line
 * about once a second, and a {@link UdpLoadReport} at the end.
 *
 * <pre>{@code
 * UdpLoadReport report = new UdpLoadGenerator(config).run(System.err::println);
 * }</pre>
 */
public final class UdpLoadGenerator {
    private static final long SEED = 0x756470656368L;
    /** How long past the planned end the worker may overrun before the run is aborted as broken. */
    private static final Duration OVERRUN = Duration.ofSeconds(30);

    private final UdpLoadConfig config;

    public UdpLoadGenerator(UdpLoadConfig config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    /** Runs the test to its end and reports; an unexpected worker failure is thrown. */
    public UdpLoadReport run(Consumer<String> progress) throws IOException, InterruptedException {
        Objects.requireNonNull(progress, "progress");
        LoadConfig base = config.base();
        UdpLoadWorker worker = new UdpLoadWorker(config, Selector.open(), new DataPattern(SEED), SEED);
        Thread thread = new Thread(worker, "load-udp-worker");
        thread.setDaemon(true);
        long begin = System.nanoTime();
        thread.start();
        long plannedEnd = begin + base.warmup().plus(base.duration()).plus(base.drainTimeout()).toNanos();
        long lastNanos = begin;
        long lastMessages = 0;
        while (!join(thread, 1000)) {
            long now = System.nanoTime();
            long messages = worker.publishedMessages();
            progress.accept(String.format(Locale.ROOT,
                    "load %5.1fs udp %,.0f msg/s, %,d sent, %,d owed, %d corrupt, %d errors",
                    (now - begin) / 1e9, Math.max(0, messages - lastMessages) / ((now - lastNanos) / 1e9),
                    worker.publishedSent(), worker.publishedOwed(), worker.publishedCorrupt(), worker.publishedErrors()));
            lastNanos = now;
            lastMessages = messages;
            if (now - plannedEnd > OVERRUN.toNanos()) {
                worker.abort();
                if (!join(thread, 10_000)) {
                    throw new IllegalStateException("the UDP load worker did not stop");
                }
            }
        }
        if (worker.failure() != null) {
            throw new IllegalStateException("the UDP load worker failed", worker.failure());
        }
        UdpLoadReport.Totals totals = new UdpLoadReport.Totals();
        worker.addTo(totals);
        return new UdpLoadReport(config, totals);
    }

    private static boolean join(Thread thread, long millis) throws InterruptedException {
        thread.join(millis);
        return !thread.isAlive();
    }
}
