package org.nioecho.server;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.Locale;

/**
 * Why a connection ended: exactly one cause per closed connection, used as the
 * {@code cause} tag of {@code echo.server.connections.closed} and in the close log line.
 *
 * <p>Each cause maps a case of the notes: {@link #EOF} is the peer's FIN, {@link #RESET}
 * its RST (ECONNRESET), {@link #BROKEN_PIPE} a write after the peer's RST (EPIPE, the
 * notes' "second write"), {@link #TIMED_OUT} and {@link #UNREACHABLE} a vanished host.
 */
public enum CloseCause {
    /** The peer closed its side (FIN): read returned -1 and everything owed was sent. */
    EOF("eof", true),
    /** The peer aborted the connection (RST): "Connection reset". */
    RESET("reset", true),
    /** A write after the peer's RST: "Broken pipe" (EPIPE). */
    BROKEN_PIPE("broken.pipe", true),
    /** Retransmissions or keepalive probes went unanswered (ETIMEDOUT). */
    TIMED_OUT("timed.out", true),
    /** The peer's host or network became unreachable (EHOSTUNREACH, ENETUNREACH). */
    UNREACHABLE("unreachable", true),
    /** No byte arrived within the idle timeout. */
    IDLE("idle", true),
    /** The connection owed bytes and its peer took none of them for {@code --write-timeout}. */
    WRITE_TIMEOUT("write.timeout", true),
    /** The server shut down. */
    SHUTDOWN("shutdown", true),
    /** Over {@code --max-connections}: accepted, then closed at once. */
    REJECTED("rejected", true),
    /** The server ended the connection on purpose: an injected fault ({@code --fault}, docs/faults.md). */
    FAULT("fault", true),
    /** A TLS handshake failed (reason in {@code echo.server.tls.handshakes.failed}, docs/tls.md). */
    TLS_HANDSHAKE("tls.handshake", true),
    /** The TLS peer closed TCP without close_notify. */
    TLS_TRUNCATED("tls.truncated", true),
    /** The first byte on a TLS listener was not a TLS handshake record (e.g. plain text). */
    TLS_NOT_TLS("tls.not.tls", true),
    /** A TLS failure after the handshake: a record that does not decrypt, a fatal alert from the peer. */
    TLS_ERROR("tls.error", true),
    /** Anything else: unexpected, logged with its stack trace. */
    ERROR("error", false);

    private final String tag;
    private final boolean expected;

    CloseCause(String tag, boolean expected) {
        this.tag = tag;
        this.expected = expected;
    }

    /** The metric tag value, e.g. {@code broken.pipe}. */
    public String tag() {
        return tag;
    }

    /** Expected causes are normal life for a server: logged at debug, without stack trace. */
    public boolean expected() {
        return expected;
    }

    /**
     * Classifies an I/O failure on a connected socket. The JDK gives no errno, so the
     * message is matched loosely, as a last resort ("reset", "broken pipe", "timed out",
     * "no route"/"unreachable"); anything else is {@link #ERROR}.
     */
    public static CloseCause of(IOException failure) {
        if (failure instanceof ClosedChannelException) {
            return ERROR;
        }
        String message = failure.getMessage();
        if (message == null) {
            return ERROR;
        }
        String text = message.toLowerCase(Locale.ROOT);
        if (text.contains("reset")) {
            return RESET;
        }
        if (text.contains("broken pipe")) {
            return BROKEN_PIPE;
        }
        if (text.contains("timed out")) {
            return TIMED_OUT;
        }
        if (text.contains("no route") || text.contains("unreachable")) {
            return UNREACHABLE;
        }
        return ERROR;
    }
}
