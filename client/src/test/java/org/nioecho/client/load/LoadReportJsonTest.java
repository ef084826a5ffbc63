package org.nioecho.client.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nioecho.client.ErrorCause;
import org.nioecho.client.ExitCodes;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code load --json}: the report parsed back with Jackson has every documented key (README,
 * {@code load --json}) in the documented order, counts as integers and measured figures as
 * numbers with at most three decimals.
 */
class LoadReportJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The documented top-level keys, in order; windowBytes and the rate keys only in their modes. */
    private static List<String> documentedKeys(LoadMode mode) {
        List<String> keys = new ArrayList<>(List.of("mode", "connections", "sizeBytes", "durationSeconds",
                "warmupSeconds", "threads"));
        if (mode == LoadMode.STREAM) {
            keys.add("windowBytes");
        }
        if (mode == LoadMode.RATE) {
            keys.addAll(List.of("ratePerConnection", "scheduledMessages", "sentMessages", "latenessMicros"));
        }
        keys.addAll(List.of("messages", "messagesPerSecond", "bytesSent", "bytesReceived", "megabytesPerSecond",
                "totalBytesSent", "totalBytesReceived", "latencyMicros", "connectMillis", "connects",
                "connectsPerSecond", "errors", "corruptBytes", "missingBytes", "extraBytes", "workerCpuSeconds",
                "workerCpuMicrosPerMessage", "exitCode"));
        return keys;
    }

    private static LoadReport report(LoadMode mode) {
        LoadConfig config = new LoadConfig(new InetSocketAddress("127.0.0.1", 9877), mode, 4, 64, Duration.ofSeconds(2),
                Duration.ofMillis(500), 65_536, 250, List.of(), 2, Duration.ofSeconds(5), Duration.ofSeconds(5));
        LoadWorker.LoadTotals totals = new LoadWorker.LoadTotals();
        totals.messages = 30_001;
        totals.bytesSent = 30_001L * 64;
        totals.bytesReceived = 30_001L * 64;
        totals.totalBytesSent = 40_000L * 64;
        totals.totalBytesReceived = 40_000L * 64 - 5;
        totals.connects = 4;
        totals.missingBytes = 5;
        totals.workerCpuNanos = 123_456_789;
        totals.errors[ErrorCause.RESET.ordinal()] = 2;
        for (long nanos = 10_000; nanos <= 1_000_000; nanos += 10_000) {
            totals.latencyNanos.recordValue(nanos);
        }
        totals.connectNanos.recordValue(1_500_000);
        totals.connectNanos.recordValue(3_250_000);
        return new LoadReport(config, totals, 0.003);
    }

    @ParameterizedTest
    @EnumSource(LoadMode.class)
    void everyDocumentedKeyInOrder(LoadMode mode) throws Exception {
        JsonNode json = JSON.readTree(report(mode).toJson());
        assertEquals(documentedKeys(mode), names(json));
        assertEquals(List.of("p50", "p90", "p99", "p999", "max"), names(json.get("latencyMicros")));
        assertEquals(List.of("p50", "p99", "max"), names(json.get("connectMillis")));
        assertEquals(Arrays.stream(ErrorCause.values()).map(ErrorCause::jsonName).toList(), names(json.get("errors")));
        assertEquals(List.of("refused", "reset", "broken.pipe", "eof", "timed.out", "unreachable", "tls.handshake",
                        "tls.untrusted", "tls.hostname", "tls.truncated", "other"),
                names(json.get("errors")), "the names the README documents");
    }

    @Test
    void countsAreIntegersAndFiguresKeepThreeDecimals() throws Exception {
        LoadReport report = report(LoadMode.RATE);
        String text = report.toJson();
        JsonNode json = JSON.readTree(text);
        assertFalse(text.contains("\n") || text.contains(" "), "one compact line: " + text);

        assertEquals("rate", json.get("mode").textValue());
        for (String count : List.of("connections", "sizeBytes", "threads", "messages", "bytesSent", "bytesReceived",
                "totalBytesSent", "totalBytesReceived", "connects", "corruptBytes", "missingBytes", "extraBytes", "exitCode")) {
            assertTrue(json.get(count).isIntegralNumber(), count + " is an integer: " + text);
        }
        json.get("errors").forEach(n -> assertTrue(n.isIntegralNumber(), "error counts are integers: " + text));
        assertEquals(4, json.get("connections").intValue());
        assertEquals(30_001L, json.get("messages").longValue());
        assertEquals(40_000L * 64 - 5, json.get("totalBytesReceived").longValue());
        assertEquals(2, json.get("errors").get("reset").intValue());
        assertEquals(5, json.get("missingBytes").intValue());
        assertEquals(ExitCodes.LOAD_DATA_MISMATCH, json.get("exitCode").intValue());

        // whole figures are written as integers, the others with three decimals (as before Jackson)
        assertTrue(text.contains("\"durationSeconds\":2,"), text);
        assertTrue(text.contains("\"ratePerConnection\":250,"), text);
        assertTrue(text.contains("\"warmupSeconds\":0.500,"), text);
        assertTrue(text.contains("\"messagesPerSecond\":15000.500,"), text);
        assertTrue(text.contains("\"megabytesPerSecond\":0.960,"), text);
        assertTrue(text.contains("\"connectsPerSecond\":1333.333,"), text);
        assertTrue(text.contains("\"workerCpuSeconds\":0.123,"), text);
        assertEquals(report.latencyMicros(50), json.get("latencyMicros").get("p50").doubleValue(), 0.0005);
        assertEquals(report.latencyMicros(99.9), json.get("latencyMicros").get("p999").doubleValue(), 0.0005);
        assertEquals(3.25, json.get("connectMillis").get("p99").doubleValue(), 0.005);
        assertEquals(123_456.789 / 30_001, json.get("workerCpuMicrosPerMessage").doubleValue(), 0.0005);
    }

    @Test
    void figuresJsonLacksAreNull() {
        assertEquals(null, LoadReport.decimal(Double.NaN));
        assertEquals(null, LoadReport.decimal(Double.POSITIVE_INFINITY));
        assertEquals("7", LoadReport.decimal(7.0).toPlainString());
        assertEquals("0.001", LoadReport.decimal(0.0005).toPlainString());
    }

    private static List<String> names(JsonNode object) {
        assertTrue(object != null && object.isObject(), "an object: " + object);
        List<String> names = new ArrayList<>();
        object.properties().forEach(e -> names.add(e.getKey()));
        return names;
    }
}
