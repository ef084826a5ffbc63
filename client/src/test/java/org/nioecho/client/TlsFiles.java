package org.nioecho.client;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Certificates for the TLS tests, made by {@code openssl req} (an independent tool; .ci/run installs it). */
public final class TlsFiles {
    private TlsFiles() {
    }

    /** A PEM certificate and its PKCS#8 key. */
    public record CertAndKey(Path cert, Path key) {
    }

    /** A self-signed EC P-256 certificate for {@code subjectAltName} (e.g. {@code IP:127.0.0.1,DNS:localhost}). */
    public static CertAndKey selfSigned(Path dir, String name, String subjectAltName) throws IOException, InterruptedException {
        Path cert = dir.resolve(name + "-cert.pem");
        Path key = dir.resolve(name + "-key.pem");
        Process openssl = new ProcessBuilder(List.of("openssl", "req", "-x509", "-newkey", "ec",
                "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key.toString(), "-out", cert.toString(),
                "-days", "2", "-subj", "/CN=" + name, "-addext", "subjectAltName=" + subjectAltName))
                .redirectErrorStream(true).redirectOutput(dir.resolve(name + "-openssl.txt").toFile()).start();
        assertTrue(openssl.waitFor(60, TimeUnit.SECONDS), "openssl req did not finish");
        assertEquals(0, openssl.exitValue(), "openssl req failed");
        return new CertAndKey(cert, key);
    }

    /** For the loopback server: 127.0.0.1 and localhost. */
    public static CertAndKey loopback(Path dir) throws IOException, InterruptedException {
        return selfSigned(dir, "loopback", "IP:127.0.0.1,DNS:localhost");
    }
}
