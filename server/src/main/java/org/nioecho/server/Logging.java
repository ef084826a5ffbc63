package org.nioecho.server;

import java.util.Locale;
import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;

/**
 * Sets up where the server's log goes. The code logs through {@link System.Logger} (one
 * logger per class, named after it); the JDK routes that to {@code java.util.logging}, so
 * level, format and destination change without a code change.
 *
 * <ul>
 *   <li>By default: one line per event on standard error ({@link OneLineFormatter}), at the
 *       level of {@code --log-level}. Standard output is left to the start line and summary.</li>
 *   <li>With {@code -Djava.util.logging.config.file=FILE}: that file decides handlers,
 *       formats and levels (e.g. a {@code FileHandler}, or {@code SimpleFormatter} with its
 *       own {@code format}); {@code --log-level}, when given, still sets the
 *       {@code org.nioecho} loggers' level.</li>
 * </ul>
 */
final class Logging {
    /** The parent of every server logger. */
    static final String ROOT = "org.nioecho";
    // Held so the configured level cannot be lost when the logger would otherwise be collected.
    private static final Logger NIOECHO = Logger.getLogger(ROOT);

    private Logging() {
    }

    /**
     * Applies {@code level} (debug, info, warn, error; null keeps the configured one) and,
     * unless the user configured logging themselves, the one-line format on standard error.
     */
    static void configure(String level) {
        Level julLevel = level == null ? null : parseLevel(level);
        if (!userConfigured()) {
            Logger root = LogManager.getLogManager().getLogger("");
            for (Handler handler : root.getHandlers()) {
                root.removeHandler(handler);
            }
            ConsoleHandler console = new ConsoleHandler(); // standard error
            console.setFormatter(new OneLineFormatter());
            console.setLevel(Level.ALL);
            root.addHandler(console);
            root.setLevel(Level.INFO);
            NIOECHO.setLevel(julLevel == null ? Level.INFO : julLevel);
        } else if (julLevel != null) {
            NIOECHO.setLevel(julLevel);
        }
    }

    /** Parses debug, info, warn or error; throws {@link IllegalArgumentException} otherwise. */
    static Level parseLevel(String name) {
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "trace" -> Level.FINEST;
            case "debug" -> Level.FINE;
            case "info" -> Level.INFO;
            case "warn", "warning" -> Level.WARNING;
            case "error" -> Level.SEVERE;
            case "off" -> Level.OFF;
            default -> throw new IllegalArgumentException("unknown log level: " + name);
        };
    }

    private static boolean userConfigured() {
        return System.getProperty("java.util.logging.config.file") != null
                || System.getProperty("java.util.logging.config.class") != null;
    }
}
