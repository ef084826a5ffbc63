package org.nioecho.client.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nioecho.client.ClientTls;
import org.nioecho.client.ErrorCause;
import org.nioecho.client.ExitCodes;
import org.nioecho.client.TestSupport;
import org.nioecho.client.TlsFiles;
import org.nioecho.harness.ServerProcess;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code load --tls} against the real server jar with {@code --tls} and a PEM certificate made by openssl. */
class LoadTlsTest {
    @TempDir
    Path dir;

    /**
     * Pingpong with messages larger than a TLS record: every byte verified. The server counts
     * the bytes on the wire (records and handshakes), so its counts exceed the plaintext by the TLS overhead.
     */
    @Test
    void pingPongOverTlsIsByteExactAndAgreesWithTheServersCounts() throws Exception {
        TlsFiles.CertAndKey pem = TlsFiles.loopback(dir);
        try (ServerProcess server = tlsServer(pem)) {
            LoadReport report = run(new LoadConfig(server.address(), LoadMode.PINGPONG, 4, 40_000, Duration.ofMillis(1500),
                    Duration.ZERO, 0, 0, List.of(), 1, Duration.ofSeconds(10), Duration.ofSeconds(10),
                    ClientTls.of(pem.cert(), false)));
            TestSupport.ServerCounts counts = TestSupport.stop(server);

            assertEquals(ExitCodes.OK, report.exitCode(), report.toText());
            assertTrue(report.messages() > 0, report.toText());
            assertEquals(report.totalBytesSent(), report.totalBytesReceived(), "every byte echoed\n" + report.toText());
            assertTrue(counts.bytesIn() > report.totalBytesSent(), "server's wire bytes in " + counts.bytesIn()
                    + " vs client's plaintext sent\n" + report.toText());
            assertTrue(counts.bytesIn() < report.totalBytesSent() * 1.01 + 10_000, "TLS overhead under 1 %: " + counts.bytesIn());
            assertEquals(4, report.handshakes(), report.toText());
            assertEquals(4, counts.connections());
            assertTrue(server.stdout().stream().anyMatch(l -> l.contains("closed: eof=4")),
                    "the client ends with close_notify, so the server sees eof, not truncation: " + server.stdout());
        }
    }

    @Test
    void churnOverTlsReportsHandshakesPerSecondAndTheirPercentiles() throws Exception {
        TlsFiles.CertAndKey pem = TlsFiles.loopback(dir);
        try (ServerProcess server = tlsServer(pem)) {
            LoadReport report = run(new LoadConfig(server.address(), LoadMode.CHURN, 2, 64, Duration.ofMillis(1500),
                    Duration.ZERO, 0, 0, List.of(), 1, Duration.ofSeconds(10), Duration.ofSeconds(10),
                    ClientTls.of(pem.cert(), false)));
            TestSupport.stop(server);

            assertEquals(ExitCodes.OK, report.exitCode(), report.toText());
            assertTrue(report.handshakes() > 0, report.toText());
            assertEquals(report.connects(), report.handshakes(), "one full handshake per churn connect\n" + report.toText());
            assertEquals(report.messages(), report.handshakes(), "one verified echo per handshake\n" + report.toText());
            assertTrue(report.toText().contains("tls hs ms   p50 "), report.toText());
            JsonNode json = new ObjectMapper().readTree(report.toJson());
            assertEquals(report.handshakes(), json.get("handshakes").asLong());
            assertTrue(json.get("handshakesPerSecond").asDouble() > 0, report.toJson());
            JsonNode millis = json.get("handshakeMillis");
            assertTrue(millis.get("p50").asDouble() > 0 && millis.get("p50").asDouble() <= millis.get("p99").asDouble()
                    && millis.get("p99").asDouble() <= millis.get("max").asDouble(), report.toJson());
        }
    }

    /** Rate mode over TLS: every scheduled message sent and echoed, none corrupt (the rate itself is not judged). */
    @Test
    void rateOverTlsSendsAndVerifiesEveryScheduledMessage() throws Exception {
        TlsFiles.CertAndKey pem = TlsFiles.loopback(dir);
        try (ServerProcess server = tlsServer(pem)) {
            LoadReport report = run(new LoadConfig(server.address(), LoadMode.RATE, 2, 100, Duration.ofMillis(1000),
                    Duration.ZERO, 0, 100, List.of(), 1, Duration.ofSeconds(10), Duration.ofSeconds(10),
                    ClientTls.of(pem.cert(), false)));
            TestSupport.stop(server);

            assertTrue(report.exitCode() == ExitCodes.OK || report.exitCode() == ExitCodes.LOAD_RATE_NOT_KEPT, report.toText());
            assertTrue(report.messages() > 0, report.toText());
            assertEquals(report.totalBytesSent(), report.totalBytesReceived(), "every byte echoed\n" + report.toText());
            assertEquals(0, report.errors(), report.toText());
        }
    }

    @Test
    void selfSignedServerWithTheDefaultTrustStoreCountsUntrustedErrors() throws Exception {
        try (ServerProcess server = ServerProcess.builder().jvmOptions("-Xmx64m").args("--tls").start()) {
            LoadReport report = run(new LoadConfig(server.address(), LoadMode.PINGPONG, 2, 64, Duration.ofMillis(300),
                    Duration.ZERO, 0, 0, List.of(), 1, Duration.ofSeconds(10), Duration.ofSeconds(5),
                    ClientTls.of(null, false)));
            assertEquals(ExitCodes.LOAD_ERRORS, report.exitCode(), report.toText());
            assertEquals(2, report.errors(ErrorCause.TLS_UNTRUSTED), report.toText());
        }
    }

    private static ServerProcess tlsServer(TlsFiles.CertAndKey pem) throws Exception {
        return ServerProcess.builder().jvmOptions("-Xmx64m")
                .args("--tls", "--tls-cert", pem.cert().toString(), "--tls-key", pem.key().toString()).start();
    }

    private static LoadReport run(LoadConfig config) throws Exception {
        return new LoadGenerator(config).run(line -> { });
    }
}
