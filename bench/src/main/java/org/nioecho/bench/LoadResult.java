package org.nioecho.bench;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

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
 * @param latencyP999Micros round-trip latency, 99.9th percentile (NaN if not reported)
 * @param rate              rate mode only: what the generator scheduled, sent and how late; else null
 */
record LoadResult(String mode, int connections, int sizeBytes, double durationSeconds, long messages,
                  double messagesPerSecond, double latencyP50Micros, double latencyP99Micros,
                  double connectP99Millis, long connects, double connectsPerSecond,
                  Map<String, Long> errors, long verificationErrorBytes, double latencyP999Micros, Rate rate) {

    /**
     * The open-loop generator's own account: an overloaded generator shows as sent below
     * scheduled, or as lateness (actual minus intended send time).
     */
    record Rate(long scheduledMessages, long sentMessages, double latenessP99Micros, double latenessMaxMicros) {
        /** The client's own rule: every scheduled message sent, none over 1 s late. */
        boolean kept() {
            return sentMessages >= scheduledMessages && latenessMaxMicros <= 1_000_000;
        }
    }

    /** Duplicate keys and text after the object are errors too; the tree (JsonNode) is databind's. */
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    /**
     * Reads the client's JSON; bad JSON, a missing key or a wrong type throws
     * {@link IllegalArgumentException} with one line saying where or which key.
     */
    static LoadResult fromJson(String text) {
        JsonNode json = asObject(parse(text), "the report");
        JsonNode latency = object(json, "latencyMicros");
        JsonNode connect = json.has("connectMillis") ? object(json, "connectMillis") : JSON.createObjectNode();
        Map<String, Long> errors = new LinkedHashMap<>();
        JsonNode errorCounts = object(json, "errors");
        for (Map.Entry<String, JsonNode> e : errorCounts.properties()) {
            errors.put(e.getKey(), (long) number(errorCounts, e.getKey()));
        }
        long verification = (long) (number(json, "corruptBytes", 0)
                + number(json, "missingBytes", 0) + number(json, "extraBytes", 0));
        JsonNode mode = json.get("mode");
        Rate rate = null;
        if (json.has("scheduledMessages")) {
            JsonNode lateness = object(json, "latenessMicros");
            rate = new Rate((long) number(json, "scheduledMessages"), (long) number(json, "sentMessages"),
                    number(lateness, "p99"), number(lateness, "max"));
        }
        return new LoadResult(mode == null || mode.isNull() ? "?" : mode.asText(),
                (int) number(json, "connections"),
                (int) number(json, "sizeBytes"),
                number(json, "durationSeconds"),
                (long) number(json, "messages"),
                number(json, "messagesPerSecond"),
                number(latency, "p50"),
                number(latency, "p99"),
                number(connect, "p99", Double.NaN),
                (long) number(json, "connects", 0),
                number(json, "connectsPerSecond", 0),
                Map.copyOf(errors),
                verification,
                number(latency, "p999", Double.NaN),
                rate);
    }

    private static JsonNode parse(String text) {
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            JsonLocation where = e.getLocation();
            String at = where == null ? "" : " at line " + where.getLineNr() + ", column " + where.getColumnNr();
            throw new IllegalArgumentException("bad JSON" + at + ": " + e.getOriginalMessage().replace('\n', ' '));
        }
    }

    private static JsonNode asObject(JsonNode value, String what) {
        if (value == null || !value.isObject()) {
            throw new IllegalArgumentException(what + " should be a JSON object, found " + describe(value));
        }
        return value;
    }

    /** The object at {@code key}; missing is an error. */
    private static JsonNode object(JsonNode object, String key) {
        if (!object.has(key)) {
            throw new IllegalArgumentException("'" + key + "' is missing");
        }
        return asObject(object.get(key), "'" + key + "'");
    }

    /** The number at {@code key}; missing or not a number is an error. */
    private static double number(JsonNode object, String key) {
        JsonNode value = object.get(key);
        if (value == null || !value.isNumber()) {
            throw new IllegalArgumentException("'" + key + "' should be a number, found " + describe(value));
        }
        return value.doubleValue();
    }

    /** The number at {@code key}, or {@code fallback} if absent. */
    private static double number(JsonNode object, String key, double fallback) {
        return object.has(key) ? number(object, key) : fallback;
    }

    private static String describe(JsonNode value) {
        if (value == null || value.isMissingNode()) {
            return "nothing";
        }
        return value.isObject() ? "an object" : value.isArray() ? "an array" : value.isTextual() ? "a string" : value.toString();
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
