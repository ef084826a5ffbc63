package org.nioecho.bench;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nioecho.harness.ServerProcess;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The TLS contenders exactly as Compare starts them (the built jars, the run's certificate):
 * each starts, negotiates TLS 1.3 with the pinned suite on that certificate, echoes 1 MiB byte
 * for byte, and carries a short run of both TLS cells without an error.
 */
class TlsContendersIT {
    private static final Duration START = Duration.ofSeconds(30);
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);
    private static final Duration EXCHANGE = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private static Path jar(String property) {
        String value = System.getProperty(property);
        assertTrue(value != null, "-D" + property + " is set by the failsafe configuration");
        Path jar = Path.of(value);
        assertTrue(Files.isRegularFile(jar), jar + " must exist (build it first: mvn -DskipTests package)");
        return jar;
    }

    @ParameterizedTest
    @ValueSource(strings = {"reactor-tls", "netty-epoll-tls-jdk", "netty-epoll-tls-openssl"})
    void startsOnTheRunsCertificateEchoesByteExactOverTls13AndCarriesBothCells(String name) throws Exception {
        BenchCertificate certificate = BenchCertificate.create(dir);
        ServerSpec spec = TlsContenders.spec(name, Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                List.of("-Xmx256m"), jar("nioecho.server.jar"), jar("nioecho.bench.jar"), certificate);
        ServerProcess server = spec.start(START);
        try {
            byte[] sent = new byte[1 << 20];
            new SplittableRandom(14).nextBytes(sent);
            assertTimeoutPreemptively(EXCHANGE, () -> {
                SSLContext context = SSLContext.getInstance("TLS");
                context.init(null, certificate.trustManagers(), null);
                Socket raw = new Socket();
                raw.connect(server.address(), 5_000);
                raw.setSoTimeout(20_000);
                try (SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(raw, "localhost", server.port(), true)) {
                    tls.setEnabledProtocols(new String[] {TlsLoad.PROTOCOL});
                    tls.setEnabledCipherSuites(new String[] {TlsLoad.SUITE});
                    tls.startHandshake();
                    assertEquals("TLSv1.3", tls.getSession().getProtocol());
                    assertEquals("TLS_AES_128_GCM_SHA256", tls.getSession().getCipherSuite());
                    assertEquals(certificate.certificate(), tls.getSession().getPeerCertificates()[0], "the run's certificate");
                    InputStream in = tls.getInputStream();
                    CompletableFuture<byte[]> echoed = CompletableFuture.supplyAsync(() -> readExactly(in, sent.length));
                    OutputStream out = tls.getOutputStream();
                    for (int at = 0; at < sent.length; at += 10_000) {
                        out.write(sent, at, Math.min(10_000, sent.length - at));
                    }
                    out.flush();
                    assertArrayEquals(sent, echoed.get(30, TimeUnit.SECONDS), "every byte back, in order");
                }
            });
            long pid = server.pid();
            TlsLoad load = new TlsLoad(server.address(), certificate.trustManagers(), () -> ProcessTree.sample(pid).cpuSeconds());
            TlsLoad.Window handshakes = assertTimeoutPreemptively(EXCHANGE, () -> load.handshakes(2, Duration.ZERO, Duration.ofSeconds(1)));
            assertTrue(handshakes.operations() > 0 && handshakes.errors() == 0, handshakes.toString());
            TlsLoad.Window stream = assertTimeoutPreemptively(EXCHANGE, () -> load.stream(2, 16 * 1024, Duration.ZERO, Duration.ofSeconds(1)));
            assertTrue(stream.operations() > 0 && stream.errors() == 0, stream.toString());
            assertTrue(server.isAlive(), "still serving" + server.lastOutput());
        } finally {
            int exit = server.stop(STOP_GRACE);
            assertEquals(0, exit, "SIGTERM stops it with 0:" + server.lastOutput());
        }
    }

    private static byte[] readExactly(InputStream in, int length) {
        ByteArrayOutputStream got = new ByteArrayOutputStream(length);
        byte[] buffer = new byte[32 * 1024];
        try {
            while (got.size() < length) {
                int n = in.read(buffer, 0, Math.min(buffer.length, length - got.size()));
                if (n < 0) {
                    break;
                }
                got.write(buffer, 0, n);
            }
        } catch (IOException e) {
            throw new IllegalStateException("reading the echo: " + e.getMessage(), e);
        }
        return got.toByteArray();
    }
}
