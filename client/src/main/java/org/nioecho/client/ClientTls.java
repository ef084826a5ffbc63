package org.nioecho.client;

import org.nioecho.harness.TrustAnyCertificate;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import java.util.Enumeration;
import java.util.HexFormat;

/**
 * The client side of TLS for {@code chat}, {@code load} and the scenarios: TLS 1.3 and 1.2
 * only; the server's certificate checked against the JDK's default trust store, or against
 * the certificates of a {@code --ca} PEM file, with the hostname checked as HTTPS does; or,
 * with {@code --insecure}, not checked at all (the caller prints the certificate's SHA-256
 * fingerprint so the user can compare it with the server's start line).
 */
public final class ClientTls {
    /** The protocols offered, newest first. */
    public static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    static {
        // The JDK's SSLSocket takes a FIN without close_notify for a clean end unless told
        // otherwise (read once, when its class loads): chat and the scenarios report truncation.
        // The load generator's SSLEngines tell the two apart themselves.
        System.setProperty("com.sun.net.ssl.requireCloseNotify", "true");
    }

    private final SSLContext context;
    private final boolean insecure;

    private ClientTls(SSLContext context, boolean insecure) {
        this.context = context;
        this.insecure = insecure;
    }

    /**
     * The client TLS of the options: {@code caFile} (may be null) trusts its certificates,
     * {@code insecure} trusts any. IllegalArgumentException (one line) for a bad CA file or both options.
     */
    public static ClientTls of(Path caFile, boolean insecure) {
        if (caFile != null && insecure) {
            throw new IllegalArgumentException("--ca and --insecure exclude each other");
        }
        try {
            TrustManager[] trust;
            if (insecure) {
                trust = new TrustManager[] {new TrustAnyCertificate()};
            } else if (caFile != null) {
                TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                factory.init(caStore(caFile));
                trust = factory.getTrustManagers();
            } else {
                trust = null; // the JDK's default trust store (cacerts)
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust, null);
            return new ClientTls(context, insecure);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot make a TLS client context", e);
        }
    }

    /** Whether the server's certificate goes unchecked. */
    public boolean insecure() {
        return insecure;
    }

    /** A client engine for {@code host}: SNI and, unless insecure, the HTTPS hostname check. */
    public SSLEngine engine(String host, int port) {
        SSLEngine engine = context.createSSLEngine(host, port);
        engine.setUseClientMode(true);
        engine.setSSLParameters(parameters(engine.getSSLParameters()));
        return engine;
    }

    /**
     * An engine as {@link #engine} that makes a full handshake: the client's session cache is
     * emptied first, so the JDK cannot resume (TLS 1.3 PSK from the server's NewSessionTicket,
     * or a TLS 1.2 session ID or ticket). {@code load} measures full handshakes this way.
     */
    public SSLEngine fullHandshakeEngine(String host, int port) {
        SSLSessionContext sessions = context.getClientSessionContext();
        for (Enumeration<byte[]> ids = sessions.getIds(); ids.hasMoreElements(); ) {
            SSLSession session = sessions.getSession(ids.nextElement());
            if (session != null) {
                session.invalidate();
            }
        }
        return engine(host, port);
    }

    /** Layers TLS over the connected {@code socket} (closing it with the TLS socket); the handshake is not started. */
    public SSLSocket layer(Socket socket, String host, int port) throws IOException {
        return layer(socket, host, port, true);
    }

    /** As {@link #layer(Socket, String, int)}; {@code autoClose} false leaves the TCP socket open on close. */
    public SSLSocket layer(Socket socket, String host, int port, boolean autoClose) throws IOException {
        SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(socket, host, port, autoClose);
        tls.setUseClientMode(true);
        tls.setSSLParameters(parameters(tls.getSSLParameters()));
        return tls;
    }

    private SSLParameters parameters(SSLParameters parameters) {
        parameters.setProtocols(PROTOCOLS.clone());
        if (!insecure) {
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
        }
        return parameters;
    }

    /** SHA-256 of the server certificate's DER encoding, {@code AB:CD:...}, as the server's start line prints it. */
    public static String fingerprintSha256(SSLSession session) {
        try {
            Certificate[] chain = session.getPeerCertificates();
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(chain[0].getEncoded());
            return HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
        } catch (GeneralSecurityException | javax.net.ssl.SSLPeerUnverifiedException e) {
            throw new IllegalStateException("no server certificate after a completed handshake", e);
        }
    }

    /** The one warning line of {@code --insecure}. */
    public static String insecureWarning(SSLSession session) {
        return "warning: --insecure: the server's certificate is NOT verified; its SHA-256 fingerprint is "
                + fingerprintSha256(session) + " (compare it with the server's start line)";
    }

    private static KeyStore caStore(Path caFile) throws GeneralSecurityException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(caFile);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("--ca " + caFile + ": no such file");
        } catch (AccessDeniedException e) {
            throw new IllegalArgumentException("--ca " + caFile + ": permission denied");
        } catch (IOException e) {
            throw new IllegalArgumentException("--ca " + caFile + ": cannot read it (" + e.getMessage() + ")");
        }
        Collection<? extends Certificate> certificates;
        try (InputStream in = new java.io.ByteArrayInputStream(bytes)) {
            certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (CertificateException | IOException e) {
            throw new IllegalArgumentException("--ca " + caFile + ": not a PEM certificate");
        }
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException("--ca " + caFile + ": no certificate in it");
        }
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        try {
            store.load(null, null);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        int i = 0;
        for (Certificate certificate : certificates) {
            store.setCertificateEntry("ca-" + i++, certificate);
        }
        return store;
    }
}
