package org.nioecho.server;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** The records one class's logger publishes while open (the logger is held: JUL keeps loggers weakly). */
final class CapturedLog implements AutoCloseable {
    private final Logger logger;
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

    private final boolean parentHandlers;

    /** Captures what {@code source} logs; it still reaches the console too. */
    CapturedLog(Class<?> source) {
        this(source, true);
    }

    private CapturedLog(Class<?> source, boolean alsoToConsole) {
        logger = Logger.getLogger(source.getName());
        parentHandlers = logger.getUseParentHandlers();
        logger.setUseParentHandlers(alsoToConsole && parentHandlers);
        logger.addHandler(handler);
    }

    /** Captures what {@code source} logs and keeps it off the console (a failure the test causes on purpose). */
    static CapturedLog silencing(Class<?> source) {
        return new CapturedLog(source, false);
    }

    List<String> messages(Level level) {
        return records.stream().filter(r -> r.getLevel().equals(level)).map(LogRecord::getMessage).toList();
    }

    @Override
    public void close() {
        logger.removeHandler(handler);
        logger.setUseParentHandlers(parentHandlers);
    }
}
