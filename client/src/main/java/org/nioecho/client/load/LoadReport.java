package org.nioecho.client.load;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.HdrHistogram.Histogram;
import org.nioecho.client.ErrorCause;
import org.nioecho.client.ExitCodes;

import java.math.BigDecimal;
import java.math.RoundingMode;
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

    /**
     * The report as one JSON object, keys in the documented order (README, {@code load --json}).
     * Jackson's tree model: an {@link ObjectNode} keeps its keys in insertion order, so this
     * method reads like the schema, one line per key.
     */
    public String toJson() {
        Histogram latency = totals.latencyNanos;
        Histogram connect = totals.connectNanos;
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("mode", config.mode().jsonName());
        json.put("connections", config.connections());
        json.put("sizeBytes", config.sizeBytes());
        json.put("durationSeconds", decimal(durationSeconds()));
        json.put("warmupSeconds", decimal(config.warmup().toNanos() / 1e9));
        json.put("threads", config.threads());
        if (config.mode() == LoadMode.STREAM) {
            json.put("windowBytes", config.windowBytes());
        }
        if (config.mode() == LoadMode.RATE) {
            Histogram lateness = totals.latenessNanos;
            json.put("ratePerConnection", decimal(config.ratePerSecond()));
            json.put("scheduledMessages", totals.scheduledMessages);
            json.put("sentMessages", totals.sentMessages);
            ObjectNode latenessMicros = json.putObject("latenessMicros");
            latenessMicros.put("p50", decimal(micros(lateness, 50)));
            latenessMicros.put("p99", decimal(micros(lateness, 99)));
            latenessMicros.put("max", decimal(lateness.getTotalCount() == 0 ? 0 : lateness.getMaxValue() / 1e3));
        }
        json.put("messages", totals.messages);
        json.put("messagesPerSecond", decimal(messagesPerSecond()));
        json.put("bytesSent", totals.bytesSent);
        json.put("bytesReceived", totals.bytesReceived);
        json.put("megabytesPerSecond", decimal(megabytesPerSecond()));
        json.put("totalBytesSent", totals.totalBytesSent);
        json.put("totalBytesReceived", totals.totalBytesReceived);
        ObjectNode latencyMicros = json.putObject("latencyMicros");
        latencyMicros.put("p50", decimal(micros(latency, 50)));
        latencyMicros.put("p90", decimal(micros(latency, 90)));
        latencyMicros.put("p99", decimal(micros(latency, 99)));
        latencyMicros.put("p999", decimal(micros(latency, 99.9)));
        latencyMicros.put("max", decimal(latency.getTotalCount() == 0 ? 0 : latency.getMaxValue() / 1e3));
        ObjectNode connectMillis = json.putObject("connectMillis");
        connectMillis.put("p50", decimal(millis(connect, 50)));
        connectMillis.put("p99", decimal(millis(connect, 99)));
        connectMillis.put("max", decimal(connect.getTotalCount() == 0 ? 0 : connect.getMaxValue() / 1e6));
        json.put("connects", totals.connects);
        json.put("connectsPerSecond", decimal(connectSeconds > 0 ? totals.connects / connectSeconds : 0));
        if (config.tls() != null) {
            Histogram handshake = totals.handshakeNanos;
            json.put("tls", true);
            ObjectNode handshakeMillis = json.putObject("handshakeMillis");
            handshakeMillis.put("p50", decimal(millis(handshake, 50)));
            handshakeMillis.put("p99", decimal(millis(handshake, 99)));
            handshakeMillis.put("max", decimal(handshake.getTotalCount() == 0 ? 0 : handshake.getMaxValue() / 1e6));
            json.put("handshakes", totals.handshakes);
            json.put("handshakesPerSecond", decimal(handshakesPerSecond()));
        }
        ObjectNode errors = json.putObject("errors");
        for (ErrorCause cause : ErrorCause.values()) {
            errors.put(cause.jsonName(), totals.errors[cause.ordinal()]);
        }
        json.put("corruptBytes", totals.corruptBytes);
        json.put("missingBytes", totals.missingBytes);
        json.put("extraBytes", totals.extraBytes);
        json.put("workerCpuSeconds", decimal(workerCpuSeconds()));
        json.put("workerCpuMicrosPerMessage", decimal(totals.messages == 0 ? 0 : totals.workerCpuNanos / 1e3 / totals.messages));
        json.put("exitCode", exitCode());
        return json.toString(); // JsonNode.toString() is compact, valid JSON (Jackson 2.10+)
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
                        + "%s"
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
                handshakeLine(),
                workerCpuSeconds(), totals.messages == 0 ? 0 : totals.workerCpuNanos / 1e3 / totals.messages,
                errors, totals.corruptBytes, totals.missingBytes, totals.extraBytes,
                switch (exitCode()) {
                    case ExitCodes.OK -> "OK";
                    case ExitCodes.LOAD_DATA_MISMATCH -> "ECHO MISMATCH (exit 10)";
                    case ExitCodes.LOAD_RATE_NOT_KEPT -> "RATE NOT KEPT (exit 12)";
                    default -> "CONNECTION ERRORS (exit 11)";
                });
    }

    /** TLS: handshakes (from TCP established to the handshake's end) and their rate; empty without --tls. */
    private String handshakeLine() {
        if (config.tls() == null) {
            return "";
        }
        Histogram handshake = totals.handshakeNanos;
        return String.format(Locale.ROOT, "  tls hs ms   p50 %.3f  p99 %.3f  max %.3f  (%,d handshakes, %,.0f/s)%n",
                millis(handshake, 50), millis(handshake, 99),
                handshake.getTotalCount() == 0 ? 0 : handshake.getMaxValue() / 1e6, totals.handshakes,
                handshakesPerSecond());
    }

    /** TLS handshakes completed per second: of the measured time in churn mode, of the connect phase otherwise. */
    public double handshakesPerSecond() {
        return connectSeconds > 0 ? totals.handshakes / connectSeconds : 0;
    }

    /** TLS handshakes completed (in the measured time, in churn mode). */
    public long handshakes() {
        return totals.handshakes;
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

    /**
     * A measured figure as the schema writes it: whole values as integers ({@code 1}), others
     * with three decimals ({@code 6.730}); NaN and infinities, which JSON lacks, as null.
     */
    static BigDecimal decimal(double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return null;
        }
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return BigDecimal.valueOf((long) value);
        }
        return BigDecimal.valueOf(value).setScale(3, RoundingMode.HALF_UP);
    }
}
