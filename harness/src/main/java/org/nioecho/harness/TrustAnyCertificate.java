package org.nioecho.harness;

import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * A trust manager that accepts every certificate: for talking to a server whose certificate
 * is self-signed and checked another way (its SHA-256 fingerprint on the start line), as
 * tests, the bench and {@code echo-client --insecure} do. Never for trust that matters.
 */
public final class TrustAnyCertificate implements X509TrustManager {

    /** A client context of {@code protocol} ("TLS", "TLSv1.3", ...) that trusts any certificate. */
    public static SSLContext context(String protocol) throws GeneralSecurityException {
        SSLContext context = SSLContext.getInstance(protocol);
        context.init(null, new TrustManager[] {new TrustAnyCertificate()}, null);
        return context;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
