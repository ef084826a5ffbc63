package org.nioecho.server;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.Locale;

/**
 * A one-line-per-event logger on standard error: {@code <instant> <LEVEL> <message>}.
 * Expected conditions are logged without a stack trace; unexpected ones with it.
 * The level is set once at start-up ({@code --log-level}).
 */
public final class Log {
    /** Severity, lowest first. */
    public enum Level { DEBUG, INFO, WARN, ERROR }

    private static volatile Level threshold = Level.INFO;
    private static volatile PrintStream out = System.err;

    private Log() {
    }

    /** Sets the lowest level that is printed. */
    public static void threshold(Level level) {
        threshold = level;
    }

    /** Where lines go (standard error unless a test says otherwise); returns the previous one. */
    static PrintStream output(PrintStream stream) {
        PrintStream previous = out;
        out = stream;
        return previous;
    }

    /** The lowest level printed now. */
    static Level threshold() {
        return threshold;
    }

    /** Parses a level name such as {@code debug}; throws {@link IllegalArgumentException}. */
    public static Level parseLevel(String name) {
        return Level.valueOf(name.trim().toUpperCase(Locale.ROOT));
    }

    /** Whether messages at {@code level} are printed: guard any formatting with it. */
    public static boolean enabled(Level level) {
        return level.compareTo(threshold) >= 0;
    }

    public static void debug(String message) {
        log(Level.DEBUG, message, null);
    }

    public static void info(String message) {
        log(Level.INFO, message, null);
    }

    public static void warn(String message) {
        log(Level.WARN, message, null);
    }

    /** An unexpected failure: printed with its stack trace. */
    public static void error(String message, Throwable failure) {
        log(Level.ERROR, message, failure);
    }

    private static void log(Level level, String message, Throwable failure) {
        if (!enabled(level)) {
            return;
        }
        StringBuilder line = new StringBuilder(96 + message.length())
                .append(Instant.now()).append(' ').append(level).append(' ').append(message);
        if (failure != null) {
            StringWriter trace = new StringWriter();
            failure.printStackTrace(new PrintWriter(trace));
            line.append(System.lineSeparator()).append(trace.toString().stripTrailing());
        }
        out.println(line);
    }
}
