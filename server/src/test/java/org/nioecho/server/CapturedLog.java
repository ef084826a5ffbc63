package org.nioecho.server;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The records one of the server's loggers writes while this is open (at {@code level} and
 * above); closing it restores the logger. The records' messages are what an operator reads.
 * They go no further while captured: an error a test causes on purpose prints no stack trace.
 */
final class CapturedLog implements AutoCloseable {
    private final Logger logger;
    private final Level saved;
    private final boolean savedUseParent;
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

    CapturedLog(Class<?> source, Level level) {
        this.logger = Logger.getLogger(source.getName());
        this.saved = logger.getLevel();
        this.savedUseParent = logger.getUseParentHandlers();
        logger.setLevel(level);
        logger.setUseParentHandlers(false);
        logger.addHandler(handler);
    }

    /** True if a record at {@code level} has a message containing {@code text}. */
    boolean has(Level level, String text) {
        return records.stream().anyMatch(r -> r.getLevel().equals(level) && r.getMessage().contains(text));
    }

    /** True if any record is at {@code level}. */
    boolean hasAny(Level level) {
        return records.stream().anyMatch(r -> r.getLevel().equals(level));
    }

    List<LogRecord> records() {
        return List.copyOf(records);
    }

    List<String> messages() {
        return records.stream().map(r -> r.getLevel() + " " + r.getMessage()).toList();
    }

    @Override
    public void close() {
        logger.removeHandler(handler);
        logger.setUseParentHandlers(savedUseParent);
        logger.setLevel(saved);
    }
}
