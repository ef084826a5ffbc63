package org.nioecho.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Where the certificate comes from: PEM files and PKCS#12 key stores that load, and files
 * that are missing, unreadable or do not match, each refused at start with one line and
 * exit code 2 (the command runs in this JVM; it fails before anything is bound).
 */
class TlsCertificateFilesTest {
    @TempDir
    Path dir;

    private record Run(int exitCode, String out, String err) {
    }

    private static Run run(String... args) {
        CommandLine command = EchoServerCommand.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        command.setOut(new PrintWriter(out));
        command.setErr(new PrintWriter(err));
        int exitCode = command.execute(args);
        return new Run(exitCode, out.toString(), err.toString());
    }

    private static void assertOneLineExit2(Run run, String expected) {
        assertEquals(2, run.exitCode(), run.err());
        List<String> lines = run.err().lines().toList();
        assertEquals(1, lines.size(), "not one line: " + run.err());
        assertTrue(lines.get(0).startsWith("echo-server: ") && lines.get(0).contains(expected), lines.get(0));
        assertEquals("", run.out(), "started anyway");
    }

    private Path pem(String name, String type, byte[] der) throws IOException {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return Files.writeString(dir.resolve(name), "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n");
    }

    private Path certPem(TlsCredentials.KeyAndChain credentials, String name) throws Exception {
        return pem(name, "CERTIFICATE", credentials.chain()[0].getEncoded());
    }

    private Path keyPem(TlsCredentials.KeyAndChain credentials, String name) throws IOException {
        return pem(name, "PRIVATE KEY", credentials.key().getEncoded()); // the JDK encodes private keys as PKCS#8
    }

    private Path keyStore(TlsCredentials.KeyAndChain credentials, char[] password) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("server", credentials.key(), password, credentials.chain());
        Path file = dir.resolve("server.p12");
        try (OutputStream out = Files.newOutputStream(file)) {
            store.store(out, password);
        }
        return file;
    }

    @Test
    void pemFilesAndAKeyStoreLoadAndKeepTheirCertificate() throws Exception {
        TlsCredentials.KeyAndChain credentials = TlsCredentials.ephemeral();
        Path cert = certPem(credentials, "cert.pem");
        Path key = keyPem(credentials, "key.pem");
        TlsConfig fromPem = TlsOptions.load(true, cert, key, null, null, null, Duration.ofSeconds(5));
        assertEquals(credentials.fingerprintSha256(), fromPem.fingerprintSha256());

        Path store = keyStore(credentials, "s3cret".toCharArray());
        Path passwordFile = Files.writeString(dir.resolve("password"), "s3cret\n");
        TlsConfig fromStore = TlsOptions.load(true, null, null, store, passwordFile, null, Duration.ofSeconds(5));
        assertEquals(credentials.fingerprintSha256(), fromStore.fingerprintSha256());

        TlsConfig ephemeral = TlsOptions.load(true, null, null, null, null, null, Duration.ofSeconds(5));
        assertTrue(ephemeral.ephemeral());
        assertTrue(ephemeral.fingerprintSha256().matches("([0-9A-F]{2}:){31}[0-9A-F]{2}"), ephemeral.fingerprintSha256());
        assertNotNull(ephemeral.newEngine());
        X509Certificate[] chain = credentials.chain();
        assertEquals(1, chain.length);
    }

    @Test
    void aMissingCertificateFileIsOneLineAndExit2() throws Exception {
        Path key = keyPem(TlsCredentials.ephemeral(), "key.pem");
        Path missing = dir.resolve("no-such.pem");
        assertOneLineExit2(run("--port", "0", "--tls", "--tls-cert", missing.toString(), "--tls-key", key.toString()),
                missing + ": no such certificate file");
    }

    @Test
    void anUnreadableKeyFileIsOneLineAndExit2() throws Exception {
        Path cert = certPem(TlsCredentials.ephemeral(), "cert.pem");
        // The tests may run as root, who reads any file whatever its mode: a directory is unreadable as a file for all.
        Path unreadable = Files.createDirectory(dir.resolve("key.pem"));
        assertOneLineExit2(run("--port", "0", "--tls", "--tls-cert", cert.toString(), "--tls-key", unreadable.toString()),
                unreadable + ": cannot read the key file");
    }

    @Test
    void aKeyThatIsNotTheCertificatesIsOneLineAndExit2() throws Exception {
        Path cert = certPem(TlsCredentials.ephemeral(), "cert.pem");
        Path otherKey = keyPem(TlsCredentials.ephemeral(), "other-key.pem");
        assertOneLineExit2(run("--port", "0", "--tls", "--tls-cert", cert.toString(), "--tls-key", otherKey.toString()),
                otherKey + " is not the key of the certificate in " + cert);
    }

    @Test
    void aKeyThatIsNotPemPkcs8IsOneLineAndExit2() throws Exception {
        Path cert = certPem(TlsCredentials.ephemeral(), "cert.pem");
        Path notAKey = Files.writeString(dir.resolve("key.pem"), "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");
        assertOneLineExit2(run("--port", "0", "--tls", "--tls-cert", cert.toString(), "--tls-key", notAKey.toString()),
                "not a PEM PKCS#8 private key");
    }

    @Test
    void aKeyStoreWithTheWrongPasswordOrAMissingVariableIsOneLineAndExit2() throws Exception {
        Path store = keyStore(TlsCredentials.ephemeral(), "right".toCharArray());
        Path wrong = Files.writeString(dir.resolve("password"), "wrong\n");
        assertOneLineExit2(run("--port", "0", "--tls", "--tls-keystore", store.toString(), "--tls-keystore-password-file",
                wrong.toString()), store + ": not a PKCS#12 key store, or the password is wrong");
        assertOneLineExit2(run("--port", "0", "--tls", "--tls-keystore", store.toString(), "--tls-keystore-password-env",
                "NIOECHO_SURELY_UNSET_4711"), "environment variable NIOECHO_SURELY_UNSET_4711");
    }

    @Test
    void certificateOptionsWithoutTlsAreAUsageError() {
        Run run = run("--port", "0", "--tls-cert", "a.pem", "--tls-key", "b.pem");
        assertEquals(2, run.exitCode(), run.err());
        assertTrue(run.err().startsWith("--tls-cert, --tls-key and --tls-keystore* need --tls or --tls-listen"), run.err());
    }
}
