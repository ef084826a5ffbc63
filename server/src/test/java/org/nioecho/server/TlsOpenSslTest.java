package org.nioecho.server;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code openssl s_client} (a real, independent TLS client, in its own process) against a
 * TLS server on the reactor: byte-exact echo over TLS 1.3 and 1.2, TLS 1.0 refused, an
 * abrupt end counted as truncation.
 */
class TlsOpenSslTest {
    private static final int LARGE_BYTES = 4 << 20;
    @TempDir
    Path dir;
    private EchoServer server;

    @BeforeEach
    void start() throws IOException {
        server = TlsTestSupport.startTlsServer(Duration.ofSeconds(10));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @ParameterizedTest
    @CsvSource({"-tls1_3, TLSv1.3", "-tls1_2, TLSv1.2"})
    void echoesALargeFileByteExactThenCloseNotifyEndsAsEof(String flag, String protocol) throws Exception {
        byte[] file = Peers.randomBytes(LARGE_BYTES, 14);
        Process client = TlsTestSupport.sClient(server.address(), flag, dir.resolve("stderr"));
        try {
            var echoed = TlsTestSupport.readN(client.getInputStream(), file.length);
            TlsTestSupport.writeAll(client.getOutputStream(), file).get(60, TimeUnit.SECONDS);
            assertArrayEquals(file, echoed.get(60, TimeUnit.SECONDS), "the echo differs from what was sent");
            client.getOutputStream().close(); // s_client answers stdin's EOF with close_notify, then FIN
            assertTrue(TlsTestSupport.exited(client), "s_client did not end");
        } finally {
            client.destroyForcibly();
        }
        ServerMetrics metrics = server.metrics();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertEquals(1, metrics.closed(CloseCause.EOF)));
        assertEquals(1, metrics.tls().handshakesCompleted(protocol));
        assertEquals(1, metrics.tls().handshakesCompleted());
        assertEquals(0, metrics.queuedBytes());
    }

    @Test
    void aClientOfferingOnlyTls10IsRefusedWithReasonProtocol() throws Exception {
        Process client = TlsTestSupport.sClient(server.address(), "-tls1", dir.resolve("stderr"));
        try {
            client.getOutputStream().close();
            assertTrue(TlsTestSupport.exited(client), "s_client did not end");
            assertTrue(client.exitValue() != 0, "s_client succeeded with TLS 1.0");
        } finally {
            client.destroyForcibly();
        }
        ServerMetrics metrics = server.metrics();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertEquals(1, metrics.closed(CloseCause.TLS_HANDSHAKE)));
        assertEquals(1, metrics.tls().handshakesFailed("protocol"), "failed for another reason");
        assertEquals(0, metrics.tls().handshakesCompleted());
        String said = Files.readString(dir.resolve("stderr"));
        assertTrue(said.contains("alert protocol version") || said.contains("protocol version"), said);
    }

    @Test
    void aClientKilledAfterTheHandshakeIsCountedAsTruncated() throws Exception {
        Process client = TlsTestSupport.sClient(server.address(), "-tls1_3", dir.resolve("stderr"));
        try {
            byte[] hello = "hello over tls\n".getBytes();
            var echoed = TlsTestSupport.readN(client.getInputStream(), hello.length);
            TlsTestSupport.writeAll(client.getOutputStream(), hello).get(60, TimeUnit.SECONDS);
            assertArrayEquals(hello, echoed.get(60, TimeUnit.SECONDS));
            client.destroyForcibly(); // SIGKILL: the kernel sends FIN, no close_notify ever comes
            assertTrue(client.waitFor(60, TimeUnit.SECONDS));
        } finally {
            client.destroyForcibly();
        }
        ServerMetrics metrics = server.metrics();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertEquals(1, metrics.closed(CloseCause.TLS_TRUNCATED)));
        assertEquals(0, metrics.closed(CloseCause.EOF));
    }
}
