package org.nioecho.bench;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;

/**
 * The one certificate every TLS contender of a run serves: an EC P-256 key and a self-signed
 * certificate for {@code localhost} and {@code 127.0.0.1} (the kind the server makes for itself
 * with no certificate given, made with the same BouncyCastle builder), written as PEM files
 * ({@code cert.pem}, {@code key.pem} in PKCS#8) that both the reactor and Netty load. The TLS
 * load trusts exactly this certificate.
 *
 * @param certPem     the certificate, PEM
 * @param keyPem      the private key, PKCS#8 PEM
 * @param certificate the certificate, for the load's trust store
 */
record BenchCertificate(Path certPem, Path keyPem, X509Certificate certificate) {

    /** Makes a fresh key pair and certificate and writes them into {@code dir}. */
    static BenchCertificate create(Path dir) throws IOException {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(256);
            KeyPair pair = generator.generateKeyPair();
            X500Name name = new X500Name("CN=localhost, O=nioecho bench");
            Instant now = Instant.now();
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name,
                    new BigInteger(64, new SecureRandom()).add(BigInteger.ONE),
                    Date.from(now.minus(Duration.ofMinutes(1))), Date.from(now.plus(Duration.ofDays(2))), name, pair.getPublic());
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.dNSName, "localhost"), new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
            X509Certificate certificate = new JcaX509CertificateConverter()
                    .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
            Files.createDirectories(dir);
            Path cert = dir.resolve("cert.pem");
            Path key = dir.resolve("key.pem");
            Files.writeString(cert, pem("CERTIFICATE", certificate.getEncoded()), StandardCharsets.US_ASCII);
            Files.writeString(key, pem("PRIVATE KEY", pair.getPrivate().getEncoded()), StandardCharsets.US_ASCII);
            return new BenchCertificate(cert, key, certificate);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IOException("cannot make the bench's TLS certificate: " + e.getMessage(), e);
        }
    }

    /**
     * A trust manager that trusts exactly this certificate (byte for byte) and nothing else. The
     * handshake still checks the server's signature with its key; what is skipped is the PKIX
     * path check of a self-signed certificate, client-side work that would weigh on the
     * handshake figures of every server alike on a small machine.
     */
    TrustManager[] trustManagers() {
        return new TrustManager[] {new PinnedTrust(certificate)};
    }

    /** Trusts one certificate, compared by its encoding. */
    private static final class PinnedTrust implements X509TrustManager {
        private final X509Certificate pinned;

        PinnedTrust(X509Certificate pinned) {
            this.pinned = pinned;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            if (chain == null || chain.length == 0 || !chain[0].equals(pinned)) {
                throw new CertificateException("not the bench's certificate");
            }
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("the bench does not trust clients");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[] {pinned};
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
