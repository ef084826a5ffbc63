package org.nioecho.server;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The records one server class logs during a test, at DEBUG (FINE) and above, kept off the
 * console: the expected failures of these tests would otherwise print their stack traces.
 */
final class LogCapture implements AutoCloseable {
    private final Logger logger; // held: JUL keeps loggers weakly
    private final Level level;
    private final boolean useParentHandlers;
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

    LogCapture(Class<?> type) {
        logger = Logger.getLogger(type.getName());
        level = logger.getLevel();
        useParentHandlers = logger.getUseParentHandlers();
        logger.setLevel(Level.FINE);
        logger.setUseParentHandlers(false);
        logger.addHandler(handler);
    }

    /** The records logged at {@code at} so far (DEBUG is FINE, ERROR is SEVERE). */
    List<LogRecord> at(Level at) {
        return records.stream().filter(r -> r.getLevel().equals(at)).toList();
    }

    /** The messages logged at {@code at} so far. */
    List<String> messages(Level at) {
        return at(at).stream().map(LogRecord::getMessage).toList();
    }

    @Override
    public void close() {
        logger.removeHandler(handler);
        logger.setUseParentHandlers(useParentHandlers);
        logger.setLevel(level);
    }
}
