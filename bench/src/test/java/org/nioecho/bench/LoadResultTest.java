package org.nioecho.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

    @Test
    void refusesAReportWithoutItsFigures() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LoadResult.fromJson(CONTRACT.replace("\"messagesPerSecond\"", "\"rate\"")));
        assertTrue(e.getMessage().contains("messagesPerSecond"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LoadResult.fromJson("[1, 2]"));
    }
}
