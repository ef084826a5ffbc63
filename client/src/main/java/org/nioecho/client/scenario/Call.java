package org.nioecho.client.scenario;

import java.util.Objects;

/**
 * What one socket call returned or threw: a value ({@code -1} is EOF for reads) or the
 * exception's class, message and errno name.
 */
record Call(long value, String exception, String message, String errno) {
    static Call returned(long value) {
        return new Call(value, null, null, null);
    }

    static Call threw(Exception failure) {
        Objects.requireNonNull(failure, "failure");
        return new Call(0, failure.getClass().getSimpleName(), String.valueOf(failure.getMessage()), Errno.of(failure));
    }

    /** A failure reported by another process (a probe) as exception class name and message. */
    static Call threw(String exception, String message) {
        Objects.requireNonNull(exception, "exception");
        String errno = exception.equals("SocketTimeoutException") ? "SO_TIMEOUT expired" : Errno.ofMessage(message);
        return new Call(0, exception, message, errno);
    }

    boolean failed() {
        return exception != null;
    }

    boolean eof() {
        return !failed() && value == -1;
    }

    boolean failedWith(String errnoName) {
        return failed() && errno.equals(errnoName);
    }

    /** As the timeline shows it, e.g. {@code IOException: Broken pipe (EPIPE)}; {@code okText} when it returned. */
    String describe(String okText) {
        if (failed()) {
            return exception + ": " + message + " (" + errno + ")";
        }
        return eof() ? "EOF (-1)" : okText;
    }

    /** Short form for verdicts: {@code EOF}, {@code ok} or the errno name. */
    String brief() {
        if (failed()) {
            return errno;
        }
        return eof() ? "EOF" : "ok";
    }
}
