package org.nioecho.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the client's {@code load --json FILE} reported for one run: rates, latency
 * percentiles, connect figures, error counts by cause and the verification counters.
 *
 * @param latencyP50Micros  round-trip latency, 50th percentile
 * @param latencyP99Micros  round-trip latency, 99th percentile
 * @param connectP99Millis  time to connect, 99th percentile
 * @param errors            error counts by cause (refused, reset, broken.pipe, eof, timed.out, other)
 * @param verificationErrorBytes corrupt + missing + extra bytes: anything but zero is a wrong echo
 */
record LoadResult(String mode, int connections, int sizeBytes, double durationSeconds, long messages,
                  double messagesPerSecond, double latencyP50Micros, double latencyP99Micros,
                  double connectP99Millis, long connects, double connectsPerSecond,
                  Map<String, Long> errors, long verificationErrorBytes) {

    /** Reads the client's JSON; a missing key or a wrong type throws {@link IllegalArgumentException}. */
    static LoadResult fromJson(String text) {
        Map<String, Object> json = Json.object(Json.parse(text));
        Map<String, Object> latency = Json.object(json, "latencyMicros");
        Map<String, Object> connect = json.containsKey("connectMillis") ? Json.object(json, "connectMillis") : Map.of();
        Map<String, Long> errors = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : Json.object(json, "errors").entrySet()) {
            errors.put(e.getKey(), (long) Json.number(Json.object(json, "errors"), e.getKey()));
        }
        long verification = (long) (Json.number(json, "corruptBytes", 0)
                + Json.number(json, "missingBytes", 0) + Json.number(json, "extraBytes", 0));
        Object mode = json.get("mode");
        return new LoadResult(mode == null ? "?" : mode.toString(),
                (int) Json.number(json, "connections"),
                (int) Json.number(json, "sizeBytes"),
                Json.number(json, "durationSeconds"),
                (long) Json.number(json, "messages"),
                Json.number(json, "messagesPerSecond"),
                Json.number(latency, "p50"),
                Json.number(latency, "p99"),
                Json.number(connect, "p99", Double.NaN),
                (long) Json.number(json, "connects", 0),
                Json.number(json, "connectsPerSecond", 0),
                Map.copyOf(errors),
                verification);
    }

    /** All errors reported: failed operations plus wrongly echoed bytes. */
    long totalErrors() {
        return errors.values().stream().mapToLong(Long::longValue).sum() + verificationErrorBytes;
    }

    /** A short account of the non-zero errors, e.g. {@code reset=3 corrupt/missing/extra bytes=0}; empty if none. */
    String errorSummary() {
        StringBuilder out = new StringBuilder();
        errors.entrySet().stream().filter(e -> e.getValue() != 0).sorted(Map.Entry.comparingByKey())
                .forEach(e -> out.append(out.length() > 0 ? " " : "").append(e.getKey()).append('=').append(e.getValue()));
        if (verificationErrorBytes != 0) {
            out.append(out.length() > 0 ? " " : "").append("wrong-bytes=").append(verificationErrorBytes);
        }
        return out.toString();
    }
}
