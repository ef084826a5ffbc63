package org.nioecho.client.load;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.HdrHistogram.Histogram;
import org.nioecho.client.ErrorCause;
import org.nioecho.client.ExitCodes;

import java.util.Locale;
import java.util.Objects;

/**
 * The result of a {@code load --udp} run, as text and as JSON. UDP may lose, duplicate and
 * reorder datagrams, so those are counted and reported; the verdict is: a corrupt datagram
 * (a byte changed, a wrong length, a damaged header) is always a failure (exit 10); a flow
 * that failed (e.g. ICMP port unreachable) is exit 11; a loss above {@code --max-loss} is
 * exit 13; rate mode that could not keep its rate is exit 12; duplicates and reordering are
 * reported only. Latency counts the first arrival of each datagram, measured period only;
 * the datagram counts cover the whole run.
 */
public final class UdpLoadReport {
    private final UdpLoadConfig udp;
    private final LoadConfig config;
    private final Totals totals;

    /** Sums of the worker's statistics. */
    static final class Totals {
        final Histogram latencyNanos = new Histogram(1, LoadWorker.HIGHEST_NANOS, 3);
        final Histogram latenessNanos = new Histogram(1, LoadWorker.HIGHEST_NANOS, 3);
        long messages;
        long bytesSent;
        long bytesReceived;
        long cpuNanos;
        long sent;
        long arrivals;
        long distinct;
        long duplicated;
        long reordered;
        long timedOut;
        long corruptDatagrams;
        long corruptBytes;
        long totalBytesSent;
        long totalBytesReceived;
        long scheduled;
        final long[] errors = new long[ErrorCause.values().length];
    }

    UdpLoadReport(UdpLoadConfig udp, Totals totals) {
        this.udp = Objects.requireNonNull(udp, "udp");
        this.config = udp.base();
        this.totals = Objects.requireNonNull(totals, "totals");
    }

    public double durationSeconds() {
        return config.duration().toNanos() / 1e9;
    }

    /** Datagrams that came back (first arrivals) in the measured period. */
    public long messages() {
        return totals.messages;
    }

    public double messagesPerSecond() {
        return totals.messages / durationSeconds();
    }

    /** Datagrams sent, whole run. */
    public long sent() {
        return totals.sent;
    }

    /** Datagrams that came back, duplicates and corrupt ones included, whole run. */
    public long arrivals() {
        return totals.arrivals;
    }

    /** Sent datagrams that came back at least once. */
    public long received() {
        return totals.distinct;
    }

    /** Sent and never came back, even within the bounded wait at the end. */
    public long lost() {
        return totals.sent - totals.distinct;
    }

    /** Lost as a share of sent, in percent. */
    public double lossPercent() {
        return totals.sent == 0 ? 0 : 100.0 * lost() / totals.sent;
    }

    /** Arrivals of a sequence number that had already come back. */
    public long duplicated() {
        return totals.duplicated;
    }

    /** First arrivals with a sequence number below the highest seen before on that flow. */
    public long reordered() {
        return totals.reordered;
    }

    /** pingpong: datagrams given up after {@code --datagram-timeout} (a flow then sends the next). */
    public long timedOut() {
        return totals.timedOut;
    }

    public long corruptDatagrams() {
        return totals.corruptDatagrams;
    }

    public long corruptBytes() {
        return totals.corruptBytes;
    }

    public long totalBytesSent() {
        return totals.totalBytesSent;
    }

    public long totalBytesReceived() {
        return totals.totalBytesReceived;
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

    public double latencyMicros(double percentile) {
        return micros(totals.latencyNanos, percentile);
    }

    /** rate: datagrams that fell due before the end, and how many were sent. */
    public long scheduledMessages() {
        return totals.scheduled;
    }

    /** rate: every datagram that fell due was sent, none more than a second late. */
    public boolean rateKept() {
        return config.mode() != LoadMode.RATE || totals.sent >= totals.scheduled
                && maxMicros(totals.latenessNanos) <= LoadReport.RATE_MAX_LATENESS_MILLIS * 1000;
    }

    /** 0 OK; 10 corrupt datagrams; 11 failed flows; 13 loss above --max-loss; 12 rate not kept. */
    public int exitCode() {
        if (totals.corruptDatagrams > 0) {
            return ExitCodes.LOAD_DATA_MISMATCH;
        }
        if (errors() > 0) {
            return ExitCodes.LOAD_ERRORS;
        }
        if (lossPercent() > udp.maxLossPercent()) {
            return ExitCodes.LOAD_UDP_LOSS;
        }
        return rateKept() ? ExitCodes.OK : ExitCodes.LOAD_RATE_NOT_KEPT;
    }

    /** The report as one JSON object, keys in the documented order (docs/client.md, {@code load --udp --json}). */
    public String toJson() {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("mode", config.mode().jsonName());
        json.put("transport", "udp");
        json.put("connections", config.connections());
        json.put("sizeBytes", config.sizeBytes());
        json.put("durationSeconds", LoadReport.decimal(durationSeconds()));
        json.put("warmupSeconds", LoadReport.decimal(config.warmup().toNanos() / 1e9));
        if (config.mode() == LoadMode.RATE) {
            json.put("ratePerConnection", LoadReport.decimal(config.ratePerSecond()));
            json.put("scheduledMessages", totals.scheduled);
            json.put("sentMessages", totals.sent);
            ObjectNode lateness = json.putObject("latenessMicros");
            lateness.put("p50", LoadReport.decimal(micros(totals.latenessNanos, 50)));
            lateness.put("p99", LoadReport.decimal(micros(totals.latenessNanos, 99)));
            lateness.put("max", LoadReport.decimal(maxMicros(totals.latenessNanos)));
        } else {
            json.put("datagramTimeoutMillis", udp.datagramTimeout().toMillis());
        }
        json.put("messages", totals.messages);
        json.put("messagesPerSecond", LoadReport.decimal(messagesPerSecond()));
        json.put("bytesSent", totals.bytesSent);
        json.put("bytesReceived", totals.bytesReceived);
        json.put("megabytesPerSecond", LoadReport.decimal(totals.bytesReceived / durationSeconds() / 1e6));
        json.put("totalBytesSent", totals.totalBytesSent);
        json.put("totalBytesReceived", totals.totalBytesReceived);
        ObjectNode latency = json.putObject("latencyMicros");
        latency.put("p50", LoadReport.decimal(micros(totals.latencyNanos, 50)));
        latency.put("p90", LoadReport.decimal(micros(totals.latencyNanos, 90)));
        latency.put("p99", LoadReport.decimal(micros(totals.latencyNanos, 99)));
        latency.put("p999", LoadReport.decimal(micros(totals.latencyNanos, 99.9)));
        latency.put("max", LoadReport.decimal(maxMicros(totals.latencyNanos)));
        ObjectNode datagrams = json.putObject("datagrams");
        datagrams.put("sent", totals.sent);
        datagrams.put("arrived", totals.arrivals);
        datagrams.put("received", totals.distinct);
        datagrams.put("lost", lost());
        datagrams.put("duplicated", totals.duplicated);
        datagrams.put("reordered", totals.reordered);
        datagrams.put("corrupt", totals.corruptDatagrams);
        datagrams.put("timedOut", totals.timedOut);
        json.put("lossPercent", LoadReport.decimal(lossPercent()));
        json.put("maxLossPercent", LoadReport.decimal(udp.maxLossPercent()));
        json.put("corruptBytes", totals.corruptBytes);
        ObjectNode errors = json.putObject("errors");
        for (ErrorCause cause : ErrorCause.values()) {
            errors.put(cause.jsonName(), totals.errors[cause.ordinal()]);
        }
        json.put("workerCpuSeconds", LoadReport.decimal(totals.cpuNanos / 1e9));
        json.put("workerCpuMicrosPerMessage", LoadReport.decimal(totals.messages == 0 ? 0 : totals.cpuNanos / 1e3 / totals.messages));
        json.put("exitCode", exitCode());
        return json.toString();
    }

    /** The summary for people, several lines. */
    public String toText() {
        Histogram latency = totals.latencyNanos;
        StringBuilder errors = new StringBuilder();
        for (ErrorCause cause : ErrorCause.values()) {
            errors.append(errors.length() == 0 ? "" : ", ").append(cause.jsonName()).append(' ')
                    .append(totals.errors[cause.ordinal()]);
        }
        String modeLine = config.mode() == LoadMode.RATE
                ? String.format(Locale.ROOT,
                        "  lateness us p50 %.1f  p99 %.1f  max %.1f  (generator: actual minus intended send time, whole run)%n"
                                + "  rate        %,d scheduled, %,d sent (whole run)%s%n",
                        micros(totals.latenessNanos, 50), micros(totals.latenessNanos, 99), maxMicros(totals.latenessNanos),
                        totals.scheduled, totals.sent, rateKept() ? "" : " -> RATE NOT KEPT")
                : String.format(Locale.ROOT, "  timed out   %,d datagrams given up after %d ms (the flow sent its next)%n",
                        totals.timedOut, udp.datagramTimeout().toMillis());
        return String.format(Locale.ROOT,
                "load %s udp: %d flows, %d-byte datagrams, %.1f s measured (after %.1f s warm-up)%n"
                        + "  messages    %,d  (%,.0f msg/s, %.2f MB/s echoed)%n"
                        + "  bytes       %,d sent, %,d received (whole run: %,d sent, %,d received)%n"
                        + "  latency us  p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f%n"
                        + "%s"
                        + "  datagrams   %,d sent, %,d received, %,d lost (%s%%, limit %s%%), %,d duplicated, %,d reordered (whole run)%n"
                        + "  client cpu  %.2f s in the selector thread (%.2f us per message)%n"
                        + "  errors      %s%n"
                        + "  verified    corrupt %d datagrams (%d bytes) -> %s%n",
                config.mode().jsonName(), config.connections(), config.sizeBytes(), durationSeconds(),
                config.warmup().toNanos() / 1e9,
                totals.messages, messagesPerSecond(), totals.bytesReceived / durationSeconds() / 1e6,
                totals.bytesSent, totals.bytesReceived, totals.totalBytesSent, totals.totalBytesReceived,
                micros(latency, 50), micros(latency, 90), micros(latency, 99), micros(latency, 99.9), maxMicros(latency),
                modeLine,
                totals.sent, totals.distinct, lost(), LoadReport.decimal(lossPercent()).toPlainString(),
                LoadReport.decimal(udp.maxLossPercent()).toPlainString(), totals.duplicated, totals.reordered,
                totals.cpuNanos / 1e9, totals.messages == 0 ? 0 : totals.cpuNanos / 1e3 / totals.messages,
                errors, totals.corruptDatagrams, totals.corruptBytes,
                switch (exitCode()) {
                    case ExitCodes.OK -> "OK";
                    case ExitCodes.LOAD_DATA_MISMATCH -> "ECHO MISMATCH (exit 10)";
                    case ExitCodes.LOAD_ERRORS -> "FLOW ERRORS (exit 11)";
                    case ExitCodes.LOAD_UDP_LOSS -> "LOSS ABOVE LIMIT (exit 13)";
                    default -> "RATE NOT KEPT (exit 12)";
                });
    }

    private static double micros(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(percentile) / 1e3;
    }

    private static double maxMicros(Histogram h) {
        return h.getTotalCount() == 0 ? 0 : h.getMaxValue() / 1e3;
    }
}
