package org.nioecho.client.scenario;

import java.net.SocketTimeoutException;
import java.util.Locale;

/**
 * The errno name behind a socket exception, matched loosely by message ("reset",
 * "broken pipe", "timed out", "no route", "refused") since Java exposes no errno.
 */
final class Errno {
    private Errno() {
    }

    /** {@code ECONNRESET}, {@code EPIPE}, ... or {@code ?} when the message says nothing known. */
    static String of(Exception failure) {
        if (failure instanceof SocketTimeoutException) {
            return "SO_TIMEOUT expired";
        }
        if (failure instanceof javax.net.ssl.SSLException tls) {
            return "TLS: " + org.nioecho.client.ErrorCause.of(tls).jsonName(); // no errno: TLS's own verdict
        }
        return ofMessage(failure.getMessage());
    }

    static String ofMessage(String message) {
        String text = message == null ? "" : message.toLowerCase(Locale.ROOT);
        if (text.contains("reset")) {
            return "ECONNRESET";
        }
        if (text.contains("broken pipe")) {
            return "EPIPE";
        }
        if (text.contains("timed out")) {
            return "ETIMEDOUT";
        }
        if (text.contains("no route")) {
            return "EHOSTUNREACH";
        }
        if (text.contains("network is unreachable")) {
            return "ENETUNREACH";
        }
        if (text.contains("refused")) {
            return "ECONNREFUSED";
        }
        if (text.contains("aborted")) {
            return "ECONNABORTED";
        }
        return "?";
    }
}
