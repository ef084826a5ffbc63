package org.nioecho.server;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The records some of the server's loggers write while this is open, at {@code level} and
 * above (DEBUG is FINE, ERROR is SEVERE); closing it restores the loggers. The records go no
 * further while captured: an error a test causes on purpose prints no stack trace.
 */
final class CapturedLog implements AutoCloseable {
    private final List<Logger> loggers = new ArrayList<>(); // held: JUL keeps loggers weakly
    private final List<Level> savedLevels = new ArrayList<>();
    private final List<Boolean> savedUseParent = new ArrayList<>();
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    /** Captures what {@code sources} log at DEBUG and above. */
    CapturedLog(Class<?>... sources) {
        this(Level.FINE, sources);
    }

    /** Captures what {@code sources} log at {@code level} and above. */
    CapturedLog(Level level, Class<?>... sources) {
        for (Class<?> source : sources) {
            Logger logger = Logger.getLogger(source.getName());
            loggers.add(logger);
            savedLevels.add(logger.getLevel());
            savedUseParent.add(logger.getUseParentHandlers());
            logger.setLevel(level);
            logger.setUseParentHandlers(false);
            logger.addHandler(handler);
        }
    }

    List<LogRecord> records() {
        return List.copyOf(records);
    }

    /** The records at exactly {@code level}. */
    List<LogRecord> at(Level level) {
        return records.stream().filter(r -> r.getLevel().equals(level)).toList();
    }

    /** The messages of the records at exactly {@code level}. */
    List<String> messages(Level level) {
        return at(level).stream().map(LogRecord::getMessage).toList();
    }

    /** Every message, each after its level ("FINE connection ... closed: eof"). */
    List<String> messages() {
        return records.stream().map(r -> r.getLevel() + " " + r.getMessage()).toList();
    }

    /** Every message, without its level. */
    List<String> lines() {
        return records.stream().map(LogRecord::getMessage).toList();
    }

    /**
     * The bytes owed at each backpressure line {@code what} ("reading paused", "reading
     * resumed") among {@code lines}: the connection's debug line names them at that instant.
     */
    static List<Integer> bytesOwedAt(List<String> lines, String what) {
        Pattern pattern = Pattern.compile(": " + what + ", (\\d+) bytes owed");
        return lines.stream().map(pattern::matcher).filter(Matcher::find).map(m -> Integer.parseInt(m.group(1))).toList();
    }

    /** True if a record at {@code level} has a message containing {@code text}. */
    boolean has(Level level, String text) {
        return at(level).stream().anyMatch(r -> r.getMessage().contains(text));
    }

    /** The messages at SEVERE (ERROR) or worse that contain {@code text}. */
    List<String> errorsAbout(String text) {
        return records.stream().filter(r -> r.getLevel().intValue() >= Level.SEVERE.intValue())
                .map(LogRecord::getMessage).filter(message -> message.contains(text)).toList();
    }

    @Override
    public void close() {
        for (int i = 0; i < loggers.size(); i++) {
            Logger logger = loggers.get(i);
            logger.removeHandler(handler);
            logger.setUseParentHandlers(savedUseParent.get(i));
            logger.setLevel(savedLevels.get(i));
        }
    }
}
