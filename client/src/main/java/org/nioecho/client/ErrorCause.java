package org.nioecho.client;

import java.io.IOException;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
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
