package org.nioecho.server;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Enumeration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * Where a TLS listener's key and certificate chain come from: PEM files (a PKCS#8 key), a
 * PKCS#12 key store, or a fresh self-signed certificate ({@link SelfSignedCertificate}).
 * Every problem (a file missing, unreadable, not what it should be, a key that does not
 * belong to the certificate) is an {@link IllegalArgumentException} whose message is one
 * line naming the file.
 */
final class TlsCredentials {
    private TlsCredentials() {
    }

    /** A private key and its certificate chain, the server's own certificate first. */
    record KeyAndChain(PrivateKey key, X509Certificate[] chain) {
        /** SHA-256 of the server certificate's DER encoding, as {@code AB:CD:...}. */
        String fingerprintSha256() {
            try {
                byte[] digest = MessageDigest.getInstance("SHA-256").digest(chain[0].getEncoded());
                return HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("SHA-256 is missing from this JDK", e);
            }
        }
    }

    /** Reads a PEM certificate chain and its PEM PKCS#8 private key. */
    static KeyAndChain fromPem(Path certFile, Path keyFile) {
        byte[] certBytes = read(certFile, "certificate");
        List<X509Certificate> chain = new ArrayList<>();
        try {
            Collection<? extends Certificate> read = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(certBytes));
            for (Certificate certificate : read) {
                chain.add((X509Certificate) certificate);
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(certFile + ": not a PEM certificate (" + firstLine(e) + ")");
        }
        if (chain.isEmpty()) {
            throw new IllegalArgumentException(certFile + ": no certificate in it");
        }
        PrivateKey key = pkcs8Key(keyFile, new String(read(keyFile, "key"), StandardCharsets.US_ASCII));
        KeyAndChain credentials = new KeyAndChain(key, chain.toArray(new X509Certificate[0]));
        requireMatch(credentials, keyFile + " is not the key of the certificate in " + certFile);
        return credentials;
    }

    /** Reads the first key entry of a PKCS#12 key store. */
    static KeyAndChain fromKeyStore(Path file, char[] password) {
        byte[] bytes = read(file, "key store");
        try (InputStream in = new ByteArrayInputStream(bytes)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, password);
            for (Enumeration<String> aliases = store.aliases(); aliases.hasMoreElements(); ) {
                String alias = aliases.nextElement();
                if (store.isKeyEntry(alias)) {
                    PrivateKey key = (PrivateKey) store.getKey(alias, password);
                    Certificate[] chain = store.getCertificateChain(alias);
                    if (key == null || chain == null || chain.length == 0) {
                        continue;
                    }
                    X509Certificate[] x509 = new X509Certificate[chain.length];
                    for (int i = 0; i < chain.length; i++) {
                        x509[i] = (X509Certificate) chain[i];
                    }
                    KeyAndChain credentials = new KeyAndChain(key, x509);
                    requireMatch(credentials, file + ": the key of entry '" + alias + "' is not the key of its certificate");
                    return credentials;
                }
            }
            throw new IllegalArgumentException(file + ": no private key entry with a certificate in it");
        } catch (IOException | GeneralSecurityException e) {
            // A wrong password shows as an IOException caused by UnrecoverableKeyException.
            throw new IllegalArgumentException(file + ": not a PKCS#12 key store, or the password is wrong (" + firstLine(e) + ")");
        }
    }

    /** A fresh self-signed certificate for localhost. */
    static KeyAndChain ephemeral() {
        try {
            return SelfSignedCertificate.generate();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot make an ephemeral certificate", e);
        }
    }

    /** A server-side TLS context serving {@code credentials}. */
    static SSLContext context(KeyAndChain credentials) {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            char[] password = new char[0];
            store.setKeyEntry("server", credentials.key(), password, credentials.chain());
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, password);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), null, null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up TLS: " + e.getMessage(), e);
        }
    }

    private static byte[] read(Path file, String what) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": no such " + what + " file");
        } catch (AccessDeniedException e) {
            throw new IllegalArgumentException(file + ": cannot read the " + what + " file (permission denied)");
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read the " + what + " file (" + e.getMessage() + ")");
        }
    }

    private static PrivateKey pkcs8Key(Path file, String pem) {
        String begin = "-----BEGIN PRIVATE KEY-----";
        int start = pem.indexOf(begin);
        int end = pem.indexOf("-----END PRIVATE KEY-----");
        if (start < 0 || end < start) {
            String hint = pem.contains("BEGIN RSA PRIVATE KEY") || pem.contains("BEGIN EC PRIVATE KEY")
                    ? " (this is PKCS#1/SEC1: convert it with openssl pkcs8 -topk8 -nocrypt)"
                    : pem.contains("BEGIN ENCRYPTED PRIVATE KEY") ? " (encrypted keys are not supported: use a PKCS#12 key store)" : "";
            throw new IllegalArgumentException(file + ": not a PEM PKCS#8 private key (BEGIN PRIVATE KEY)" + hint);
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(pem.substring(start + begin.length(), end));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": the PEM key is not valid base64");
        }
        for (String algorithm : new String[] {"RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // not this algorithm: try the next
            }
        }
        throw new IllegalArgumentException(file + ": a PKCS#8 key of an algorithm this JDK cannot use (RSA, EC, EdDSA)");
    }

    /** Signs a few bytes with the key and checks them with the certificate's public key. */
    private static void requireMatch(KeyAndChain credentials, String problem) {
        PublicKey publicKey = credentials.chain()[0].getPublicKey();
        String algorithm = switch (credentials.key().getAlgorithm().toUpperCase(Locale.ROOT)) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "RSASSA-PSS" -> "RSASSA-PSS";
            default -> credentials.key().getAlgorithm(); // Ed25519, Ed448, EdDSA
        };
        try {
            if (!publicKey.getAlgorithm().equalsIgnoreCase(credentials.key().getAlgorithm())
                    && !(publicKey.getAlgorithm().startsWith("Ed") || publicKey.getAlgorithm().equals("EdDSA"))) {
                throw new IllegalArgumentException(problem);
            }
            byte[] probe = "nioecho".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            if (algorithm.equals("RSASSA-PSS")) {
                signer.setParameter(new java.security.spec.PSSParameterSpec("SHA-256", "MGF1",
                        java.security.spec.MGF1ParameterSpec.SHA256, 32, 1));
            }
            signer.initSign(credentials.key());
            signer.update(probe);
            byte[] signature = signer.sign();
            signer.initVerify(publicKey);
            signer.update(probe);
            if (!signer.verify(signature)) {
                throw new IllegalArgumentException(problem);
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(problem + " (" + firstLine(e) + ")");
        }
    }

    private static String firstLine(Exception e) {
        Throwable cause = e.getCause() != null && e.getMessage() == null ? e.getCause() : e;
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
