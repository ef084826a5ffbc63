package org.nioecho.bench;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LoadResultTest {
    static final String CONTRACT = "{\"mode\":\"pingpong\",\"connections\":100,\"sizeBytes\":64,\"durationSeconds\":5,"
            + "\"messages\":500000,\"messagesPerSecond\":100000.5,\"bytesSent\":32000000,\"bytesReceived\":32000000,"
            + "\"megabytesPerSecond\":6.4,\"latencyMicros\":{\"p50\":950.5,\"p90\":1200,\"p99\":2500.25,\"p999\":4000,\"max\":9000},"
            + "\"connectMillis\":{\"p50\":1.5,\"p99\":3.25,\"max\":4},\"connects\":100,\"connectsPerSecond\":4000,"
            + "\"errors\":{\"refused\":0,\"reset\":2,\"broken.pipe\":0,\"eof\":1,\"timed.out\":0,\"other\":0},"
            + "\"corruptBytes\":0,\"missingBytes\":64,\"extraBytes\":0}";

    @Test
    void readsTheClientsReport() {
        LoadResult r = LoadResult.fromJson(CONTRACT);
        assertEquals("pingpong", r.mode());
        assertEquals(100, r.connections());
        assertEquals(64, r.sizeBytes());
        assertEquals(500_000, r.messages());
        assertEquals(100_000.5, r.messagesPerSecond());
        assertEquals(950.5, r.latencyP50Micros());
        assertEquals(2500.25, r.latencyP99Micros());
        assertEquals(3.25, r.connectP99Millis());
        assertEquals(4000, r.connectsPerSecond());
        assertEquals(2, r.errors().get("reset"));
        assertEquals(64, r.verificationErrorBytes());
        assertEquals(2 + 1 + 64, r.totalErrors());
        assertEquals("eof=1 reset=2 wrong-bytes=64", r.errorSummary());
    }

    /** Rate mode adds the generator's own account; its real shape, from an echo-client rate run against Netty. */
    @Test
    void readsTheOpenLoopGeneratorsAccount() {
        String json = "{\"mode\":\"rate\",\"connections\":100,\"sizeBytes\":64,\"durationSeconds\":1,\"warmupSeconds\":0.500,"
                + "\"threads\":1,\"ratePerConnection\":93.425,\"scheduledMessages\":13996,\"sentMessages\":13990,"
                + "\"latenessMicros\":{\"p50\":6459.391,\"p99\":49381.375,\"max\":1500000},\"messages\":13990,"
                + "\"messagesPerSecond\":13990,\"latencyMicros\":{\"p50\":49545.215,\"p90\":440664.063,\"p99\":574619.647,"
                + "\"p999\":589299.711,\"max\":592445.439},\"errors\":{\"refused\":0},\"corruptBytes\":0,\"missingBytes\":0,"
                + "\"extraBytes\":0}";
        LoadResult r = LoadResult.fromJson(json);
        assertEquals(589299.711, r.latencyP999Micros());
        assertEquals(new LoadResult.Rate(13996, 13990, 49381.375, 1_500_000), r.rate());
        assertFalse(r.rate().kept(), "6 messages unsent and one 1.5 s late: the generator fell behind");
        assertTrue(new LoadResult.Rate(10, 10, 5, 1_000_000).kept());
        assertEquals(null, LoadResult.fromJson(CONTRACT).rate(), "closed loop has no schedule");
        assertEquals(4000, LoadResult.fromJson(CONTRACT).latencyP999Micros());
        assertThrows(IllegalArgumentException.class, () -> LoadResult.fromJson(json.replace("\"latenessMicros\"", "\"late\"")));
    }

    /** Reports written by the real client ({@code echo-client load --json FILE}, 1 s against the reactor). */
    @Test
    void readsReportsTheRealClientWrote() throws IOException {
        LoadResult stream = LoadResult.fromJson(fixture("client-load-stream.json"));
        assertEquals("stream", stream.mode());
        assertEquals(4, stream.connections());
        assertEquals(64, stream.sizeBytes());
        assertEquals(1.0, stream.durationSeconds());
        assertEquals(9_949_981L, stream.messages());
        assertEquals(9_949_981.0, stream.messagesPerSecond());
        assertEquals(221.055, stream.latencyP50Micros());
        assertEquals(4706.303, stream.latencyP99Micros());
        assertEquals(6.787, stream.connectP99Millis());
        assertEquals(4, stream.connects());
        assertEquals(658.888, stream.connectsPerSecond());
        assertEquals(Set.of("refused", "reset", "broken.pipe", "eof", "timed.out", "unreachable", "other"), stream.errors().keySet());
        assertEquals(0, stream.totalErrors());

        LoadResult rate = LoadResult.fromJson(fixture("client-load-rate.json"));
        assertEquals("rate", rate.mode());
        assertEquals(400, rate.messages());
        assertEquals(851.967, rate.latencyP50Micros());
        assertEquals("", rate.errorSummary());
    }

    @Test
    void refusesAReportWithoutItsFigures() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LoadResult.fromJson(CONTRACT.replace("\"messagesPerSecond\"", "\"rate\"")));
        assertTrue(e.getMessage().contains("messagesPerSecond"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LoadResult.fromJson("[1, 2]"));
        assertEquals("the report should be a JSON object, found an array", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LoadResult.fromJson(""));
        assertEquals("the report should be a JSON object, found nothing", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> LoadResult.fromJson(CONTRACT.replace("\"messages\":500000", "\"messages\":\"500000\"")));
        assertEquals("'messages' should be a number, found a string", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> LoadResult.fromJson(CONTRACT.replace("\"latencyMicros\":{", "\"latencyMicros\":[],\"x\":{")));
        assertEquals("'latencyMicros' should be a JSON object, found an array", e.getMessage());
    }

    @Test
    void badJsonIsOneLineSayingWhere() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LoadResult.fromJson("{\"a\": }"));
        assertTrue(e.getMessage().startsWith("bad JSON at line 1, column 7: "), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LoadResult.fromJson(CONTRACT + "\n{}"));
        assertTrue(e.getMessage().startsWith("bad JSON at line 2, column "), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LoadResult.fromJson(CONTRACT.substring(0, 100)));
        assertTrue(e.getMessage().startsWith("bad JSON at line 1, column "), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LoadResult.fromJson("{\"mode\":\"a\",\"mode\":\"b\"}"));
        assertTrue(e.getMessage().startsWith("bad JSON at line 1, column ") && e.getMessage().contains("mode"), e.getMessage());
        for (String text : new String[] {"{\"a\": }", CONTRACT + " x", "\"open", "{\"a\":1,,}", CONTRACT.substring(0, 100)}) {
            e = assertThrows(IllegalArgumentException.class, () -> LoadResult.fromJson(text), text);
            assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
            assertFalse(e.getMessage().contains("com.fasterxml"), "no Jackson internals: " + e.getMessage());
            assertEquals(null, e.getCause(), "nothing for a stack trace to show");
        }
    }

    private static String fixture(String name) throws IOException {
        try (InputStream in = LoadResultTest.class.getResourceAsStream(name)) {
            assertNotNull(in, name + " on the test class path");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
