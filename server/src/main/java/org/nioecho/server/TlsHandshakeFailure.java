package org.nioecho.server;

import javax.net.ssl.SSLException;
import java.util.Locale;

/**
 * Why a TLS handshake failed: the {@code reason} tag of
 * {@code echo.server.tls.handshakes.failed} and of the {@code tls.handshake} close log line.
 * The JDK names the reason only in the exception's message (its own, or the peer's alert),
 * so the message is matched, as a last resort; what matches nothing is {@link #OTHER}.
 */
enum TlsHandshakeFailure {
    /** No protocol version in common (the peer offers only TLS 1.1 or older, or a protocol_version alert). */
    PROTOCOL("protocol"),
    /** No cipher suite in common. */
    CIPHER("cipher"),
    /** The peer rejected the server's certificate (bad, expired, unsupported, unknown). */
    CERTIFICATE("certificate"),
    /** The peer does not trust the certificate's issuer (unknown_ca alert). */
    UNKNOWN_CA("unknown_ca"),
    /** The handshake took longer than {@code --tls-handshake-timeout}. */
    TIMEOUT("timeout"),
    /** Anything else, e.g. the peer closed the connection in the middle of the handshake. */
    OTHER("other");

    private final String tag;

    TlsHandshakeFailure(String tag) {
        this.tag = tag;
    }

    String tag() {
        return tag;
    }

    /** Classifies a handshake failure by the JDK's message. */
    static TlsHandshakeFailure of(SSLException failure) {
        String message = failure.getMessage() == null ? "" : failure.getMessage().toLowerCase(Locale.ROOT);
        if (message.contains("unknown_ca")) {
            return UNKNOWN_CA;
        }
        if (message.contains("protocol_version") || message.contains("no appropriate protocol")
                || message.contains("requested protocol") || message.contains("unsupported protocol")
                || message.contains("not enabled or supported")) {
            return PROTOCOL;
        }
        if (message.contains("cipher suites in common") || message.contains("insufficient_security")
                || message.contains("no cipher") || message.contains("cipher suite")) {
            return CIPHER;
        }
        if (message.contains("certificate") || message.contains("bad_certificate") || message.contains("pkix")) {
            return CERTIFICATE;
        }
        return OTHER;
    }
}
