package org.nioecho.bench;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bench's TLS load against a real TLS echo on loopback: it measures a faithful echo, and
 * a wrong byte (in the stream, or in the byte echoed after a handshake) voids the run with
 * {@link TlsLoad.EchoMismatchException} naming what was wrong. No timing is asserted.
 */
class TlsLoadTest {
    private static final Duration BOUND = Duration.ofSeconds(60);
    private static final Duration WINDOW = Duration.ofMillis(700);

    @TempDir
    static Path dir;
    private static BenchCertificate certificate;

    @BeforeAll
    static void certificate() throws Exception {
        certificate = BenchCertificate.create(dir);
    }

    private static TlsLoad load(TlsEchoFixture server) {
        return new TlsLoad(server.address(), certificate.trustManagers(), () -> 0.0);
    }

    @Test
    void measuresHandshakesAndStreamingOnAFaithfulEcho() throws Exception {
        try (TlsEchoFixture server = new TlsEchoFixture(certificate, -1)) {
            TlsLoad.Window handshakes = assertTimeoutPreemptively(BOUND, () -> load(server).handshakes(2, Duration.ZERO, WINDOW));
            assertTrue(handshakes.operations() > 0, "handshakes completed: " + handshakes);
            assertEquals(0, handshakes.errors(), handshakes.firstError());
            TlsLoad.Window stream = assertTimeoutPreemptively(BOUND, () -> load(server).stream(2, 16 * 1024, Duration.ZERO, WINDOW));
            assertTrue(stream.operations() > 0, "bytes echoed and checked: " + stream);
            assertEquals(0, stream.errors(), stream.firstError());
        }
    }

    @Test
    void aWrongByteInTheStreamVoidsTheRunNamingItsOffset() throws Exception {
        try (TlsEchoFixture server = new TlsEchoFixture(certificate, 100_000)) {
            TlsLoad.EchoMismatchException e = assertTimeoutPreemptively(BOUND, () -> assertThrows(TlsLoad.EchoMismatchException.class,
                    () -> load(server).stream(2, 16 * 1024, Duration.ZERO, Duration.ofSeconds(2))));
            assertEquals("TLS stream echo: wrong byte at offset 100000", e.getMessage());
        }
    }

    @Test
    void aWrongByteAfterTheHandshakeVoidsTheRun() throws Exception {
        try (TlsEchoFixture server = new TlsEchoFixture(certificate, 0)) {
            TlsLoad.EchoMismatchException e = assertTimeoutPreemptively(BOUND, () -> assertThrows(TlsLoad.EchoMismatchException.class,
                    () -> load(server).handshakes(2, Duration.ZERO, WINDOW)));
            assertTrue(e.getMessage().startsWith("TLS echo after a handshake: sent byte"), e.getMessage());
        }
    }

    @Test
    void anotherCertificateIsNotTrusted() throws Exception {
        BenchCertificate other = BenchCertificate.create(dir.resolve("other"));
        try (TlsEchoFixture server = new TlsEchoFixture(other, -1)) {
            TlsLoad.Window w = assertTimeoutPreemptively(BOUND, () -> load(server).handshakes(1, Duration.ZERO, WINDOW));
            assertEquals(0, w.operations(), "no handshake with an untrusted certificate");
            assertTrue(w.errors() > 0 && w.firstError().contains("not the bench's certificate"), w.firstError());
        }
    }
}
