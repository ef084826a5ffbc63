package org.nioecho.client;

import org.HdrHistogram.Histogram;

import java.util.Locale;
import java.util.Objects;

/**
 * The result of a load run: throughput, latency percentiles, connect times, errors by cause
 * and verification counts, as text for people and as JSON for scripts and the bench.
 * Counts cover the measured period (after the warm-up) except the {@code total*},
 * corrupt/missing/extra and error counts, which cover the whole run. Rate mode also reports,
 * over the whole run, the messages scheduled and sent and the generator's own lateness
 * (actual minus intended send time); it did not keep the rate if a scheduled message was
 * never sent or one was sent more than {@value #RATE_MAX_LATENESS_MILLIS} ms late (a
 * backlog, not the scheduling hiccups of a busy machine, which stay far below that).
 */
public final class LoadReport {
    /** Rate mode: a message sent later than this means the requested rate was not kept. */
    public static final long RATE_MAX_LATENESS_MILLIS = 1000;

    private final LoadConfig config;
    private final LoadWorker.LoadTotals totals;
    private final double connectSeconds;

    LoadReport(LoadConfig config, LoadWorker.LoadTotals totals, double connectSeconds) {
        this.config = Objects.requireNonNull(config, "config");
        this.totals = Objects.requireNonNull(totals, "totals");
        this.connectSeconds = connectSeconds;
    }

    public double durationSeconds() {
        return config.duration().toNanos() / 1e9;
    }

    public long messages() {
        return totals.messages;
    }

    public double messagesPerSecond() {
        return totals.messages / durationSeconds();
    }

    /** Echoed bytes per second during the measured period, in 10^6 bytes. */
    public double megabytesPerSecond() {
        return totals.bytesReceived / durationSeconds() / 1e6;
    }

    public long bytesSent() {
        return totals.bytesSent;
    }

    public long bytesReceived() {
        return totals.bytesReceived;
    }

    /** Bytes sent over the whole run, warm-up included: what the server received. */
    public long totalBytesSent() {
        return totals.totalBytesSent;
    }

    /** Bytes received over the whole run, warm-up included: what the server sent. */
    public long totalBytesReceived() {
        return totals.totalBytesReceived;
    }

    public long connects() {
        return totals.connects;
    }

    public long corruptBytes() {
        return totals.corruptBytes;
    }

    public long missingBytes() {
        return totals.missingBytes;
    }

    public long extraBytes() {
        return totals.extraBytes;
    }

    public long errors(ErrorCause cause) {
        return totals.errors[cause.ordinal()];
    }

    public long errors() {
        long sum = 0;
        for (long e : totals.errors) {
            sum += e;
        }
        return sum;
    }

    /** CPU time the selector threads used during the measured period, in seconds. */
    public double workerCpuSeconds() {
        return totals.workerCpuNanos / 1e9;
    }

    /** Latency percentile in microseconds, e.g. {@code latencyMicros(99.9)}. */
    public double latencyMicros(double percentile) {
        return totals.latencyNanos.getTotalCount() == 0 ? 0 : totals.latencyNanos.getValueAtPercentile(percentile) / 1e3;
    }

    /** Rate mode: messages that fell due before the end (whole run). */
    public long scheduledMessages() {
        return totals.scheduledMessages;
    }

    /** Rate mode: messages sent, on time or late (whole run). */
    public long sentMessages() {
        return totals.sentMessages;
    }

    /** Rate mode: messages whose lateness was recorded, one per message sent. */
    public long latenessCount() {
        return totals.latenessNanos.getTotalCount();
    }

    /** Rate mode: the generator's lateness percentile (actual minus intended send time) in microseconds. */
    public double latenessMicros(double percentile) {
        return micros(totals.latenessNanos, percentile);
    }

    /** Rate mode: every scheduled message was sent, none more than {@value #RATE_MAX_LATENESS_MILLIS} ms late. */
    public boolean rateKept() {
        return config.mode() != LoadMode.RATE || totals.sentMessages >= totals.scheduledMessages
                && maxLatenessMicros() <= RATE_MAX_LATENESS_MILLIS * 1000;
    }

    private double maxLatenessMicros() {
        return totals.latenessNanos.getTotalCount() == 0 ? 0 : totals.latenessNanos.getMaxValue() / 1e3;
    }

    /**
     * 0 all verified and no errors; 10 corrupt, missing or extra bytes; 11 connection errors;
     * 12 the rate was not kept.
     */
    public int exitCode() {
        if (totals.corruptBytes + totals.missingBytes + totals.extraBytes > 0) {
            return ExitCodes.LOAD_DATA_MISMATCH;
        }
        if (errors() > 0) {
            return ExitCodes.LOAD_ERRORS;
        }
        return rateKept() ? ExitCodes.OK : ExitCodes.LOAD_RATE_NOT_KEPT;
    }

    /** The report as one JSON object (keys as documented for the bench's Compare harness). */
    public String toJson() {
        Histogram latency = totals.latencyNanos;
        Histogram connect = totals.connectNanos;
        JsonWriter json = new JsonWriter().beginObject()
                .field("mode", config.mode().jsonName())
                .field("connections", config.connections())
                .field("sizeBytes", config.sizeBytes())
                .field("durationSeconds", durationSeconds())
                .field("warmupSeconds", config.warmup().toNanos() / 1e9)
                .field("threads", config.threads());
        if (config.mode() == LoadMode.STREAM) {
            json.field("windowBytes", config.windowBytes());
        }
        if (config.mode() == LoadMode.RATE) {
            Histogram lateness = totals.latenessNanos;
            json.field("ratePerConnection", config.ratePerSecond())
                    .field("scheduledMessages", totals.scheduledMessages)
                    .field("sentMessages", totals.sentMessages)
                    .beginObject("latenessMicros")
                    .field("p50", micros(lateness, 50))
                    .field("p99", micros(lateness, 99))
                    .field("max", lateness.getTotalCount() == 0 ? 0 : lateness.getMaxValue() / 1e3)
                    .endObject();
        }
        json.field("messages", totals.messages)
                .field("messagesPerSecond", messagesPerSecond())
                .field("bytesSent", totals.bytesSent)
                .field("bytesReceived", totals.bytesReceived)
                .field("megabytesPerSecond", megabytesPerSecond())
                .field("totalBytesSent", totals.totalBytesSent)
                .field("totalBytesReceived", totals.totalBytesReceived)
                .beginObject("latencyMicros")
                .field("p50", micros(latency, 50))
                .field("p90", micros(latency, 90))
                .field("p99", micros(latency, 99))
                .field("p999", micros(latency, 99.9))
                .field("max", latency.getTotalCount() == 0 ? 0 : latency.getMaxValue() / 1e3)
                .endObject()
                .beginObject("connectMillis")
                .field("p50", millis(connect, 50))
                .field("p99", millis(connect, 99))
                .field("max", connect.getTotalCount() == 0 ? 0 : connect.getMaxValue() / 1e6)
                .endObject()
                .field("connects", totals.connects)
                .field("connectsPerSecond", connectSeconds > 0 ? totals.connects / connectSeconds : 0)
                .beginObject("errors");
        for (ErrorCause cause : ErrorCause.values()) {
            json.field(cause.jsonName(), totals.errors[cause.ordinal()]);
        }
        return json.endObject()
                .field("corruptBytes", totals.corruptBytes)
                .field("missingBytes", totals.missingBytes)
                .field("extraBytes", totals.extraBytes)
                .field("workerCpuSeconds", workerCpuSeconds())
                .field("workerCpuMicrosPerMessage", totals.messages == 0 ? 0 : totals.workerCpuNanos / 1e3 / totals.messages)
                .field("exitCode", exitCode())
                .endObject().toString();
    }

    /** The summary for people, several lines. */
    public String toText() {
        Histogram latency = totals.latencyNanos;
        Histogram connect = totals.connectNanos;
        StringBuilder errors = new StringBuilder();
        for (ErrorCause cause : ErrorCause.values()) {
            errors.append(errors.length() == 0 ? "" : ", ").append(cause.jsonName()).append(' ')
                    .append(totals.errors[cause.ordinal()]);
        }
        return String.format(Locale.ROOT,
                "load %s: %d connections, %d-byte messages, %.1f s measured (after %.1f s warm-up)%n"
                        + "  messages    %,d  (%,.0f msg/s, %.2f MB/s echoed)%n"
                        + "  bytes       %,d sent, %,d received (whole run: %,d sent, %,d received)%n"
                        + "  latency us  p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f%n"
                        + "%s"
                        + "  connect ms  p50 %.3f  p99 %.3f  max %.3f  (%,d connects, %,.0f/s)%n"
                        + "  client cpu  %.2f s in the selector threads (%.2f us per message)%n"
                        + "  errors      %s%n"
                        + "  verified    corrupt %d, missing %d, extra %d bytes -> %s%n",
                config.mode().jsonName(), config.connections(), config.sizeBytes(), durationSeconds(),
                config.warmup().toNanos() / 1e9,
                totals.messages, messagesPerSecond(), megabytesPerSecond(),
                totals.bytesSent, totals.bytesReceived, totals.totalBytesSent, totals.totalBytesReceived,
                micros(latency, 50), micros(latency, 90), micros(latency, 99), micros(latency, 99.9),
                latency.getTotalCount() == 0 ? 0 : latency.getMaxValue() / 1e3,
                rateLines(),
                millis(connect, 50), millis(connect, 99), connect.getTotalCount() == 0 ? 0 : connect.getMaxValue() / 1e6,
                totals.connects, connectSeconds > 0 ? totals.connects / connectSeconds : 0,
                workerCpuSeconds(), totals.messages == 0 ? 0 : totals.workerCpuNanos / 1e3 / totals.messages,
                errors, totals.corruptBytes, totals.missingBytes, totals.extraBytes,
                switch (exitCode()) {
                    case ExitCodes.OK -> "OK";
                    case ExitCodes.LOAD_DATA_MISMATCH -> "ECHO MISMATCH (exit 10)";
                    case ExitCodes.LOAD_RATE_NOT_KEPT -> "RATE NOT KEPT (exit 12)";
                    default -> "CONNECTION ERRORS (exit 11)";
                });
    }

    /** Rate mode: lateness, scheduled vs sent, and one line if the rate was not kept. */
    private String rateLines() {
        if (config.mode() != LoadMode.RATE) {
            return "";
        }
        Histogram lateness = totals.latenessNanos;
        String lines = String.format(Locale.ROOT,
                "  lateness us p50 %.1f  p99 %.1f  max %.1f  (generator: actual minus intended send time, whole run)%n"
                        + "  rate        %,d scheduled, %,d sent (whole run)%n",
                micros(lateness, 50), micros(lateness, 99),
                lateness.getTotalCount() == 0 ? 0 : lateness.getMaxValue() / 1e3,
                totals.scheduledMessages, totals.sentMessages);
        if (!rateKept()) {
            lines += String.format(Locale.ROOT,
                    "  RATE NOT KEPT: the generator could not keep the requested rate (%,d of %,d scheduled unsent,"
                            + " max lateness %.1f ms, limit %d ms)%n",
                    Math.max(0, totals.scheduledMessages - totals.sentMessages), totals.scheduledMessages,
                    maxLatenessMicros() / 1e3, RATE_MAX_LATENESS_MILLIS);
        }
        return lines;
    }

    private static double micros(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(percentile) / 1e3;
    }

    private static double millis(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(percentile) / 1e6;
    }
}
