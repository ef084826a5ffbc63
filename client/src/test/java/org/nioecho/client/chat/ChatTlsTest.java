package org.nioecho.client.chat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nioecho.client.ClientProcess;
import org.nioecho.client.ExitCodes;
import org.nioecho.client.TlsFiles;
import org.nioecho.harness.ServerProcess;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nioecho.client.TestSupport.assertOneClearLine;

/** {@code chat --tls} as a real process against the real server jar with {@code --tls}. */
class ChatTlsTest {
    private static final Duration EXIT_WAIT = Duration.ofSeconds(30);
    private static final Pattern FINGERPRINT = Pattern.compile("tls sha256=([0-9A-F:]{95})");

    @TempDir
    Path dir;

    @Test
    void echoOverTlsTrustingTheServersPemCertificateIsByteExact() throws Exception {
        TlsFiles.CertAndKey pem = TlsFiles.loopback(dir);
        Path input = dir.resolve("input.bin");
        Path output = dir.resolve("output.bin");
        byte[] data = new byte[3 * 1024 * 1024 + 777];
        new Random(14).nextBytes(data);
        Files.write(input, data);
        try (ServerProcess server = tlsServer("--tls-cert", pem.cert().toString(), "--tls-key", pem.key().toString());
             ClientProcess client = ClientProcess.start(dir, input.toFile(), output.toFile(), "chat", "--tls",
                     "--ca", pem.cert().toString(), "--port", Integer.toString(server.port()))) {
            assertTrue(client.awaitExit(Duration.ofSeconds(120)), "client did not finish: " + client.describe());
            assertEquals(ExitCodes.OK, client.exitCode(), client.describe());
            assertEquals(-1, Files.mismatch(input, output), "echo differs");
            assertEquals(0, client.stderrLines().size(), "stderr: " + client.stderrLines());
        }
    }

    @Test
    void insecurePrintsOneWarningWithTheFingerprintOfTheServersStartLine() throws Exception {
        try (ServerProcess server = tlsServer();
             ClientProcess client = ClientProcess.start(dir, null, null, "chat", "--tls", "--insecure",
                     "--port", Integer.toString(server.port()))) {
            client.type("ping\n");
            assertArrayEquals("ping\n".getBytes(StandardCharsets.US_ASCII), client.readOutput(5, EXIT_WAIT));
            client.stdin().close();
            assertTrue(client.awaitExit(EXIT_WAIT), "client did not end: " + client.describe());
            assertEquals(ExitCodes.OK, client.exitCode(), client.describe());
            String fingerprint = startLineFingerprint(server);
            assertOneClearLine(client.stderrLines(), "warning: --insecure");
            assertTrue(client.stderrLines().get(0).contains("SHA-256 fingerprint is " + fingerprint),
                    "server's " + fingerprint + " vs " + client.stderrLines());
        }
    }

    @Test
    void selfSignedServerWithoutCaOrInsecureIsUntrusted() throws Exception {
        try (ServerProcess server = tlsServer();
             ClientProcess client = ClientProcess.start(dir, null, null, "chat", "--tls",
                     "--port", Integer.toString(server.port()))) {
            assertTrue(client.awaitExit(EXIT_WAIT), "client did not end: " + client.describe());
            assertEquals(ExitCodes.TLS_UNTRUSTED, client.exitCode(), client.describe());
            assertOneClearLine(client.stderrLines(), "TLS: the certificate of 127.0.0.1:" + server.port() + " is not trusted");
        }
    }

    @Test
    void certificateForAnotherHostIsAHostnameMismatch() throws Exception {
        TlsFiles.CertAndKey other = TlsFiles.selfSigned(dir, "other", "DNS:other.example");
        try (ServerProcess server = tlsServer("--tls-cert", other.cert().toString(), "--tls-key", other.key().toString());
             ClientProcess client = ClientProcess.start(dir, null, null, "chat", "--tls", "--ca", other.cert().toString(),
                     "--port", Integer.toString(server.port()))) {
            assertTrue(client.awaitExit(EXIT_WAIT), "client did not end: " + client.describe());
            assertEquals(ExitCodes.TLS_HOSTNAME, client.exitCode(), client.describe());
            assertOneClearLine(client.stderrLines(), "is not for host '127.0.0.1'");
        }
    }

    @Test
    void tlsToAPlainServerIsAFailedHandshake() throws Exception {
        try (ServerProcess server = ServerProcess.builder().jvmOptions("-Xmx64m").start();
             ClientProcess client = ClientProcess.start(dir, null, null, "chat", "--tls", "--insecure",
                     "--port", Integer.toString(server.port()))) {
            assertTrue(client.awaitExit(EXIT_WAIT), "client did not end: " + client.describe());
            assertEquals(ExitCodes.TLS_HANDSHAKE, client.exitCode(), client.describe());
            assertOneClearLine(client.stderrLines(), "TLS handshake with 127.0.0.1:" + server.port() + " failed");
        }
    }

    /** The server is SIGKILLed while the client is connected and idle: its kernel sends FIN, no close_notify. */
    @Test
    void serverKilledWithoutCloseNotifyIsTruncation() throws Exception {
        try (ServerProcess server = tlsServer();
             ClientProcess client = ClientProcess.start(dir, null, null, "chat", "--tls", "--insecure",
                     "--port", Integer.toString(server.port()))) {
            client.type("ping\n");
            client.readOutput(5, EXIT_WAIT);
            server.signal("KILL");
            assertTrue(server.awaitExit(EXIT_WAIT) >= 0, "server still running");
            assertTrue(client.awaitExit(EXIT_WAIT), "client did not end: " + client.describe());
            assertEquals(ExitCodes.TLS_TRUNCATED, client.exitCode(), client.describe());
            assertEquals(2, client.stderrLines().size(), "the --insecure warning and one line: " + client.stderrLines());
            assertTrue(client.stderrLines().get(1).contains("without close_notify (truncated) on read, after 5 bytes sent, 5 echoed"),
                    client.stderrLines().toString());
        }
    }

    /** A peer that accepts and never answers the ClientHello: the handshake ends at --connect-timeout, exit 7. */
    @Test
    void silentPeerTimesOutTheHandshakeAtTheConnectTimeout() throws Exception {
        try (java.net.ServerSocket listener = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
             ClientProcess client = ClientProcess.start(dir, null, null, "chat", "--tls", "--insecure",
                     "--connect-timeout", "500ms", "--port", Integer.toString(listener.getLocalPort()))) {
            listener.setSoTimeout((int) EXIT_WAIT.toMillis());
            try (java.net.Socket peer = listener.accept()) {
                assertTrue(client.awaitExit(EXIT_WAIT), "client did not give up: " + client.describe());
                assertEquals(ExitCodes.TIMED_OUT, client.exitCode(), client.describe());
                assertOneClearLine(client.stderrLines(), "timed out in the TLS handshake with 127.0.0.1:"
                        + listener.getLocalPort() + " (no answer within 500 ms)");
            }
        }
    }

    @Test
    void trustOptionsWithoutTlsTogetherOrWithAMissingFileAreUsageErrors() {
        assertUsage("--ca needs --tls", "chat", "--ca", dir.resolve("ca.pem").toString());
        assertUsage("--insecure needs --tls", "chat", "--insecure");
        assertUsage("--ca and --insecure exclude each other", "chat", "--tls", "--insecure", "--ca",
                dir.resolve("ca.pem").toString());
        assertUsage(dir.resolve("missing.pem") + ": no such file", "chat", "--tls", "--ca", dir.resolve("missing.pem").toString());
        assertUsage("Invalid value for option '--ca': --ca " + dir.resolve("missing.pem") + ": no such file",
                "load", "--tls", "--ca", dir.resolve("missing.pem").toString());
    }

    private static void assertUsage(String firstLine, String... args) {
        java.io.StringWriter err = new java.io.StringWriter();
        int code = org.nioecho.client.EchoClientCommand.commandLine().setErr(new java.io.PrintWriter(err)).execute(args);
        assertEquals(ExitCodes.USAGE, code, err.toString());
        assertTrue(err.toString().lines().findFirst().orElse("").endsWith(firstLine), err.toString());
    }

    private static ServerProcess tlsServer(String... certificate) throws Exception {
        String[] args = new String[certificate.length + 1];
        args[0] = "--tls";
        System.arraycopy(certificate, 0, args, 1, certificate.length);
        return ServerProcess.builder().jvmOptions("-Xmx64m").args(args).start();
    }

    private static String startLineFingerprint(ServerProcess server) {
        for (String line : server.stdout()) {
            Matcher m = FINGERPRINT.matcher(line);
            if (m.find()) {
                return m.group(1);
            }
        }
        throw new AssertionError("no fingerprint on the start line: " + server.stdout());
    }
}
