package org.nioecho.server;

import java.io.IOException;
import java.util.Locale;

/**
 * Why an {@code accept} (or the set-up right after it) failed: the {@code reason} tag of
 * {@code echo.server.accept.errors}.
 */
public enum AcceptError {
    /** EMFILE or ENFILE: no descriptor left; accepting pauses for a back-off. */
    TOO_MANY_OPEN_FILES("too.many.open.files"),
    /** The connection was reset before or right after accept (ECONNABORTED, EPROTO, ECONNRESET). */
    ABORTED("aborted"),
    /** Anything else: logged with its stack trace. */
    OTHER("other");

    private final String tag;

    AcceptError(String tag) {
        this.tag = tag;
    }

    /** The metric tag value. */
    public String tag() {
        return tag;
    }

    /** Classifies a failed accept by its message, matched loosely. */
    public static AcceptError of(IOException failure) {
        String message = failure.getMessage();
        String text = message == null ? "" : message.toLowerCase(Locale.ROOT);
        if (text.contains("too many open files")) {
            return TOO_MANY_OPEN_FILES;
        }
        if (text.contains("reset") || text.contains("abort") || text.contains("protocol error")
                || text.contains("broken pipe")) {
            return ABORTED;
        }
        return OTHER;
    }
}
