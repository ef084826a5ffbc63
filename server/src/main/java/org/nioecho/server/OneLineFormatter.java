package org.nioecho.server;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;

/**
 * The server's default log format, one line per event: {@code <instant> <LEVEL> <message>},
 * with levels named as {@code --log-level} names them (DEBUG, INFO, WARN, ERROR). A record
 * that carries a throwable (an unexpected failure) is followed by its stack trace.
 *
 * <p>It is a plain {@code java.util.logging} formatter, so a logging configuration file can
 * name it or replace it: {@code java.util.logging.ConsoleHandler.formatter=org.nioecho.server.OneLineFormatter}.
 */
public final class OneLineFormatter extends Formatter {
    @Override
    public String format(LogRecord record) {
        String message = formatMessage(record);
        StringBuilder line = new StringBuilder(96 + message.length())
                .append(record.getInstant()).append(' ')
                .append(levelName(record.getLevel())).append(' ')
                .append(message);
        if (record.getThrown() != null) {
            StringWriter trace = new StringWriter();
            record.getThrown().printStackTrace(new PrintWriter(trace));
            line.append(System.lineSeparator()).append(trace.toString().stripTrailing());
        }
        return line.append(System.lineSeparator()).toString();
    }

    /** JUL's level as the name {@code --log-level} uses (FINE is DEBUG, SEVERE is ERROR). */
    static String levelName(Level level) {
        int value = level.intValue();
        if (value >= Level.SEVERE.intValue()) {
            return "ERROR";
        }
        if (value >= Level.WARNING.intValue()) {
            return "WARN";
        }
        if (value >= Level.INFO.intValue()) {
            return "INFO";
        }
        if (value >= Level.FINE.intValue()) {
            return "DEBUG";
        }
        return "TRACE";
    }
}
