package org.nioecho.client;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import java.io.IOException;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.util.Locale;

/**
 * Why a connection failed, classified from a real socket error. Exception types are used
 * first; messages only as a last resort and loosely ("reset", "broken pipe"), since they are
 * not an API. The JSON names ({@code broken.pipe}) are the ones the server uses as metric tags.
 */
public enum ErrorCause {
    REFUSED("refused", "ECONNREFUSED", "connection refused"),
    RESET("reset", "ECONNRESET", "connection reset by peer"),
    BROKEN_PIPE("broken.pipe", "EPIPE", "broken pipe"),
    EOF("eof", "EOF", "server closed the connection"),
    TIMED_OUT("timed.out", "ETIMEDOUT", "timed out"),
    UNREACHABLE("unreachable", "EHOSTUNREACH", "host unreachable"),
    /** The TLS handshake failed: the server refused it (an alert), ended it, or does not speak TLS. */
    TLS_HANDSHAKE("tls.handshake", "TLS", "TLS handshake failed"),
    /** The server's certificate does not chain to a trusted certificate (the JDK's trust store, or --ca). */
    TLS_UNTRUSTED("tls.untrusted", "TLS", "server certificate not trusted"),
    /** The server's certificate is not for the host connected to (no matching subject alternative name). */
    TLS_HOSTNAME("tls.hostname", "TLS", "server certificate is for another host"),
    /** The server closed TCP without TLS close_notify: the stream may have been cut. */
    TLS_TRUNCATED("tls.truncated", "TLS", "TLS stream truncated (no close_notify)"),
    OTHER("other", "EIO", "I/O error");

    private final String jsonName;
    private final String errno;
    private final String words;

    ErrorCause(String jsonName, String errno, String words) {
        this.jsonName = jsonName;
        this.errno = errno;
        this.words = words;
    }

    /** The name used in JSON reports and metrics: {@code refused}, {@code broken.pipe}, ... */
    public String jsonName() {
        return jsonName;
    }

    /** The errno that stands for this cause, e.g. {@code ECONNRESET}. */
    public String errno() {
        return errno;
    }

    /** Plain words for a message, e.g. {@code connection reset by peer}. */
    public String words() {
        return words;
    }

    /** The cause of a socket error (connect, read or write). */
    public static ErrorCause of(IOException e) {
        if (e instanceof SSLException tls) {
            return ofTls(tls);
        }
        if (e instanceof SocketTimeoutException) {
            return TIMED_OUT;
        }
        if (e instanceof NoRouteToHostException) {
            return UNREACHABLE;
        }
        if (e instanceof PortUnreachableException) {
            return REFUSED; // UDP: the ICMP port unreachable that answered an earlier datagram
        }
        String message = e.getMessage() == null ? "" : e.getMessage().toLowerCase(Locale.ROOT);
        if (message.contains("refused")) {
            return REFUSED;
        }
        if (message.contains("reset")) {
            return RESET;
        }
        if (message.contains("broken pipe")) {
            return BROKEN_PIPE;
        }
        if (message.contains("timed out")) {
            return TIMED_OUT;
        }
        if (message.contains("unreachable") || message.contains("no route")) {
            return UNREACHABLE;
        }
        return OTHER;
    }

    /**
     * The cause of a failure while the TLS handshake runs: as {@link #of}, except that a TLS
     * error not otherwise named is {@link #TLS_HANDSHAKE} (e.g. a plain-TCP server's echo of
     * the ClientHello, "Unsupported or unrecognized SSL message").
     */
    public static ErrorCause ofHandshake(IOException e) {
        ErrorCause cause = of(e);
        return cause == OTHER && e instanceof SSLException ? TLS_HANDSHAKE : cause;
    }

    /**
     * A TLS failure: the certificate checks are told apart by the JDK's exception chain
     * (a {@link CertPathBuilderException} or {@link CertPathValidatorException}: untrusted; the
     * hostname checker's "No subject alternative ..."/"No name matching ...": wrong host).
     */
    private static ErrorCause ofTls(SSLException e) {
        if (e instanceof TlsTruncatedException) {
            return TLS_TRUNCATED;
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CertPathBuilderException || t instanceof CertPathValidatorException) {
                return TLS_UNTRUSTED;
            }
            String message = t.getMessage() == null ? "" : t.getMessage();
            if (t instanceof CertificateException
                    && (message.startsWith("No subject alternative") || message.startsWith("No name matching"))) {
                return TLS_HOSTNAME;
            }
        }
        String message = e.getMessage() == null ? "" : e.getMessage().toLowerCase(Locale.ROOT);
        if (message.contains("remote host terminated the connection")) {
            return TLS_TRUNCATED; // SSLSocket with com.sun.net.ssl.requireCloseNotify=true (chat)
        }
        if (e instanceof SSLHandshakeException) {
            return TLS_HANDSHAKE;
        }
        return OTHER;
    }

    /** The errno for {@code e}: like {@link #errno()}, but tells ENETUNREACH from EHOSTUNREACH. */
    public static String errnoOf(IOException e) {
        ErrorCause cause = of(e);
        String message = e.getMessage() == null ? "" : e.getMessage().toLowerCase(Locale.ROOT);
        if (cause == UNREACHABLE && message.contains("network")) {
            return "ENETUNREACH";
        }
        return cause.errno();
    }
}
