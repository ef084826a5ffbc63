package org.nioecho.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Instant;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

/** The loose matching of JDK messages, a missing message, and the names the log uses for levels. */
class ClassificationEdgesTest {
    @Test
    void closeCausesMatchAnyCaseAndAMissingMessageIsAnError() {
        assertEquals(CloseCause.ERROR, CloseCause.of(new IOException((String) null)));
        assertEquals(CloseCause.RESET, CloseCause.of(new IOException("CONNECTION RESET BY PEER")));
        assertEquals(CloseCause.BROKEN_PIPE, CloseCause.of(new IOException("write failed: Broken Pipe")));
        assertEquals(CloseCause.TIMED_OUT, CloseCause.of(new IOException("Operation Timed Out")));
        assertEquals(CloseCause.UNREACHABLE, CloseCause.of(new IOException("Host is unreachable")));
        assertEquals(CloseCause.UNREACHABLE, CloseCause.of(new IOException("No route to host")));
        assertEquals(CloseCause.ERROR, CloseCause.of(new java.nio.channels.AsynchronousCloseException()));
        assertEquals(CloseCause.ERROR, CloseCause.of(new IOException("Connection refused")));
    }

    @Test
    void everyCauseHasItsDocumentedTag() {
        String[] tags = {"eof", "reset", "broken.pipe", "timed.out", "unreachable", "idle", "write.timeout",
                "shutdown", "rejected", "fault", "tls.handshake", "tls.truncated", "tls.not.tls", "tls.error", "error"};
        assertEquals(tags.length, CloseCause.values().length, "a cause without a documented tag");
        for (int i = 0; i < tags.length; i++) {
            assertEquals(tags[i], CloseCause.values()[i].tag());
        }
        assertEquals("too.many.open.files", AcceptError.TOO_MANY_OPEN_FILES.tag());
        assertEquals("aborted", AcceptError.ABORTED.tag());
        assertEquals("other", AcceptError.OTHER.tag());
    }

    @Test
    void acceptErrorsAreMatchedLooselyToo() {
        assertEquals(AcceptError.OTHER, AcceptError.of(new IOException((String) null)));
        assertEquals(AcceptError.TOO_MANY_OPEN_FILES, AcceptError.of(new IOException("TOO MANY OPEN FILES")));
        assertEquals(AcceptError.ABORTED, AcceptError.of(new IOException("Connection reset by peer")));
        assertEquals(AcceptError.ABORTED, AcceptError.of(new IOException("Connection aborted")));
        assertEquals(AcceptError.ABORTED, AcceptError.of(new IOException("Protocol error")));
        assertEquals(AcceptError.ABORTED, AcceptError.of(new IOException("Broken pipe")));
        assertEquals(AcceptError.OTHER, AcceptError.of(new IOException("Permission denied")));
    }

    @Test
    void logLevelsAreNamedLikeTheOption() {
        assertEquals(Level.FINEST, Logging.parseLevel("trace"));
        assertEquals(Level.FINE, Logging.parseLevel(" DEBUG "));
        assertEquals(Level.INFO, Logging.parseLevel("info"));
        assertEquals(Level.WARNING, Logging.parseLevel("warn"));
        assertEquals(Level.WARNING, Logging.parseLevel("warning"));
        assertEquals(Level.SEVERE, Logging.parseLevel("error"));
        assertEquals(Level.OFF, Logging.parseLevel("off"));
        assertEquals("unknown log level: loud", assertThrows(IllegalArgumentException.class, () -> Logging.parseLevel("loud")).getMessage());

        assertEquals("ERROR", OneLineFormatter.levelName(Level.SEVERE));
        assertEquals("WARN", OneLineFormatter.levelName(Level.WARNING));
        assertEquals("INFO", OneLineFormatter.levelName(Level.INFO));
        assertEquals("DEBUG", OneLineFormatter.levelName(Level.CONFIG));
        assertEquals("DEBUG", OneLineFormatter.levelName(Level.FINE));
        assertEquals("TRACE", OneLineFormatter.levelName(Level.FINER));
        assertEquals("TRACE", OneLineFormatter.levelName(Level.FINEST));
    }

    @Test
    void oneLinePerEventAndTheStackTraceOnlyWithAThrowable() {
        LogRecord plain = new LogRecord(Level.WARNING, "drain timeout: closing {0} connections");
        plain.setParameters(new Object[] {3});
        plain.setInstant(Instant.parse("2026-11-27T00:00:00Z"));
        String nl = System.lineSeparator();
        assertEquals("2026-11-27T00:00:00Z WARN drain timeout: closing 3 connections" + nl, new OneLineFormatter().format(plain));

        LogRecord failed = new LogRecord(Level.SEVERE, "reactor stopped");
        failed.setInstant(Instant.parse("2026-11-27T00:00:00Z"));
        failed.setThrown(new IllegalStateException("boom"));
        String text = new OneLineFormatter().format(failed);
        assertTrue(text.startsWith("2026-11-27T00:00:00Z ERROR reactor stopped" + nl + "java.lang.IllegalStateException: boom" + nl + "\tat "), text);
        assertTrue(text.endsWith(")" + nl), "the trace ends the record with one line separator: " + text);
    }
}
