package org.nioecho.bench;

import java.util.Objects;

/**
 * One run of one server on one cell. Figures that do not apply to the cell's kind, or that
 * could not be measured, are {@code NaN}.
 *
 * @param round             which repetition (1-based)
 * @param failure           why the run produced no figures (the server did not start, the load
 *                          generator failed...), or null
 * @param rate              messages per second (ping-pong), connections per second (churn)
 * @param cpuSecondsPerOp   server CPU seconds per message (ping-pong) or per connection (churn)
 * @param cpuMethod         how the CPU was attributed: {@code window} (the load's measured
 *                          window only) or {@code whole run} (fallback, includes warm-up)
 * @param peakRssBytes      the server's peak resident memory during the run
 * @param peakThreads       the most threads the server had during the run
 * @param errors            errors the load generator counted, wrong echo bytes included
 * @param errorDetail       the non-zero error counts by cause, or empty
 * @param held              idle: connections held and verified
 * @param rssBeforeBytes    idle: the server's resident memory before the connections
 * @param rssAfterBytes     idle: the server's resident memory with them all held
 */
record Measurement(String server, Cell cell, int round, String failure,
                   double rate, double latencyP50Micros, double latencyP99Micros, double connectP99Millis,
                   double cpuSecondsPerOp, String cpuMethod, long peakRssBytes, int peakThreads,
                   long errors, String errorDetail, int held, long rssBeforeBytes, long rssAfterBytes) {

    Measurement {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(cell, "cell");
        Objects.requireNonNull(errorDetail, "errorDetail");
    }

    static Measurement failed(String server, Cell cell, int round, String failure) {
        return new Measurement(server, cell, round, failure, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                Double.NaN, "", 0, 0, 0, "", 0, 0, 0);
    }

    boolean ok() {
        return failure == null;
    }

    /** Idle: resident memory the server added per held connection. */
    double bytesPerConnection() {
        return held > 0 ? (double) (rssAfterBytes - rssBeforeBytes) / held : Double.NaN;
    }
}
