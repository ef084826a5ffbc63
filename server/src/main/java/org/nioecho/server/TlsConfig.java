package org.nioecho.server;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * TLS for a listener: the server's key and certificate (as an {@link SSLContext}), TLS 1.3
 * and 1.2 only, AEAD cipher suites only, and how long a handshake may take.
 *
 * @param context            the server context (key managers set, no client authentication)
 * @param fingerprintSha256  the SHA-256 fingerprint of the server certificate ({@code AB:CD:...})
 * @param ephemeral          true if the certificate was made at start (self-signed)
 * @param handshakeTimeout   a handshake not done within this is closed ({@code tls.handshake{timeout}})
 */
public record TlsConfig(SSLContext context, String fingerprintSha256, boolean ephemeral, Duration handshakeTimeout) {
    /** The protocols served, newest first. */
    public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    /**
     * The cipher suites offered, in order of preference: the TLS 1.3 suites and the TLS 1.2
     * ECDHE suites with an AEAD cipher (forward secrecy, no CBC). The list is fixed, so the
     * {@code cipher} tag of the metrics takes one of these values.
     */
    public static final List<String> CIPHER_SUITES = List.of(
            "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    /** The default handshake timeout. */
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

    public TlsConfig {
        Objects.requireNonNull(context, "context");
        Objects.requireNonNull(fingerprintSha256, "fingerprintSha256");
        Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
        if (handshakeTimeout.isNegative() || handshakeTimeout.isZero() || handshakeTimeout.compareTo(ServerConfig.MAX_DURATION) > 0) {
            throw new IllegalArgumentException("TLS handshake timeout must be positive and at most 24h, got " + handshakeTimeout);
        }
    }

    /** TLS with the key and certificate chain of {@code credentials}. */
    static TlsConfig of(TlsCredentials.KeyAndChain credentials, boolean ephemeral, Duration handshakeTimeout) {
        return new TlsConfig(TlsCredentials.context(credentials), credentials.fingerprintSha256(), ephemeral, handshakeTimeout);
    }

    /** TLS with a fresh self-signed certificate for localhost (for tests and quick runs). */
    public static TlsConfig ephemeral(Duration handshakeTimeout) {
        return of(TlsCredentials.ephemeral(), true, handshakeTimeout);
    }

    /** A server engine for one connection: TLS 1.3/1.2, the suites above that this JDK has. */
    SSLEngine newEngine() {
        SSLEngine engine = context.createSSLEngine();
        engine.setUseClientMode(false);
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setProtocols(PROTOCOLS.toArray(new String[0]));
        List<String> supported = Arrays.asList(engine.getSupportedCipherSuites());
        List<String> suites = new ArrayList<>();
        for (String suite : CIPHER_SUITES) {
            if (supported.contains(suite)) {
                suites.add(suite);
            }
        }
        parameters.setCipherSuites(suites.toArray(new String[0]));
        parameters.setUseCipherSuitesOrder(true);
        parameters.setNeedClientAuth(false);
        engine.setSSLParameters(parameters);
        return engine;
    }
}
