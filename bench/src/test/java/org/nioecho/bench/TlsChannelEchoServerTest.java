package org.nioecho.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.nioecho.harness.ServerProcess;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tls-channel measurement server is what the comparison says it is: it serves the given
 * certificate over TLS 1.3 with the suite asked for, and echoes byte-exact.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS) // each wait below is bounded
class TlsChannelEchoServerTest {
    @Test
    void echoesByteExactOverTls13WithTheGivenCertificate(@TempDir Path dir) throws Exception {
        Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-nodes", "-keyout", "key.pem", "-out", "cert.pem", "-days", "2", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1")
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("openssl.log").toFile()).start();
        assertTrue(openssl.waitFor(60, TimeUnit.SECONDS), "openssl timed out");
        assertEquals(0, openssl.exitValue(), Files.readString(dir.resolve("openssl.log")));

        // Trust exactly this certificate: the handshake fails if the server presents another.
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        try (InputStream in = Files.newInputStream(dir.resolve("cert.pem"))) {
            trusted.setCertificateEntry("server", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        SSLContext context = SSLContext.getInstance("TLSv1.3");
        context.init(null, trust.getTrustManagers(), null);

        try (ServerProcess server = ServerProcess.command(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-cp", System.getProperty("java.class.path"), TlsChannelEchoServer.class.getName(), "0",
                dir.resolve("cert.pem").toString(), dir.resolve("key.pem").toString()).name("tls-channel-echo").start()) {
            Socket raw = new Socket();
            raw.connect(server.address(), 10_000);
            try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(raw, "localhost", server.port(), true)) {
                socket.setSoTimeout(30_000);
                socket.setEnabledProtocols(new String[] {"TLSv1.3"});
                socket.setEnabledCipherSuites(new String[] {"TLS_AES_128_GCM_SHA256"});
                socket.startHandshake();
                assertEquals("TLSv1.3", socket.getSession().getProtocol());
                assertEquals("TLS_AES_128_GCM_SHA256", socket.getSession().getCipherSuite());

                byte[] sent = new byte[1 << 20];
                new SplittableRandom(11).nextBytes(sent);
                OutputStream out = socket.getOutputStream();
                CompletableFuture<Void> written = CompletableFuture.runAsync(() -> {
                    try {
                        out.write(sent);
                        out.flush();
                    } catch (java.io.IOException e) {
                        throw new IllegalStateException(e);
                    }
                }, task -> {
                    Thread thread = new Thread(task, "tls-peer-writer");
                    thread.setDaemon(true);
                    thread.start();
                });
                byte[] echoed = socket.getInputStream().readNBytes(sent.length); // bounded by the read timeout
                written.get(30, TimeUnit.SECONDS);
                assertArrayEquals(sent, echoed);
            }
        }
    }
}
