package org.nioecho.bench;

import java.util.Objects;

/**
 * One open-loop step of the latency curve: a server at a percentage of its closed-loop rate.
 * Figures that could not be measured are NaN.
 *
 * @param percent             offered load, percent of the server's closed-loop rate
 * @param offeredPerSecond    messages per second the generator was asked to send, all connections
 * @param echoedMessages      messages echoed back and verified in the measured time
 * @param latenessP99Micros   the generator's own lateness (actual minus intended send time), 99th percentile
 * @param scheduledMessages   messages the generator's schedule called for, warm-up included
 * @param sentMessages        messages it sent; below scheduled, the generator fell behind
 * @param generatorKept       the client's own rule: all scheduled messages sent, none over 1 s late
 * @param failure             why the step produced no figures, or null
 */
record CurvePoint(String server, Cell cell, int percent, double offeredPerSecond, long echoedMessages,
                  double latencyP50Micros, double latencyP99Micros, double latencyP999Micros, double latenessP99Micros,
                  long scheduledMessages, long sentMessages, boolean generatorKept, long errors, String errorDetail,
                  String failure) {

    CurvePoint {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(cell, "cell");
        Objects.requireNonNull(errorDetail, "errorDetail");
    }

    static CurvePoint failed(String server, Cell cell, int percent, double offeredPerSecond, String failure) {
        return new CurvePoint(server, cell, percent, offeredPerSecond, 0, Double.NaN, Double.NaN, Double.NaN,
                Double.NaN, 0, 0, false, 0, "", failure);
    }

    boolean ok() {
        return failure == null;
    }
}
