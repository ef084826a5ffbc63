package org.nioecho.server;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ParsingAndClassificationTest {
    @Test
    void parsesSizes() {
        assertEquals(65536, Units.parseBytes("65536"));
        assertEquals(65536, Units.parseBytes("64k"));
        assertEquals(65536, Units.parseBytes("64KiB"));
        assertEquals(1 << 20, Units.parseBytes("1 MiB"));
        assertEquals(1L << 30, Units.parseBytes("1g"));
        assertThrows(IllegalArgumentException.class, () -> Units.parseBytes("lots"));
        assertThrows(IllegalArgumentException.class, () -> Units.parseIntBytes("4g"));
    }

    @Test
    void parsesDurations() {
        assertEquals(Duration.ofMillis(500), Units.parseDuration("500ms"));
        assertEquals(Duration.ofSeconds(30), Units.parseDuration("30s"));
        assertEquals(Duration.ofSeconds(30), Units.parseDuration("30"));
        assertEquals(Duration.ofMinutes(2), Units.parseDuration("2m"));
        assertEquals(Duration.ofSeconds(45), Units.parseDuration("PT45S"));
        assertThrows(IllegalArgumentException.class, () -> Units.parseDuration("soon"));
    }

    @Test
    void classifiesFailuresByWhatTheJdkSays() {
        assertEquals(CloseCause.RESET, CloseCause.of(new IOException("Connection reset")));
        assertEquals(CloseCause.RESET, CloseCause.of(new IOException("Connection reset by peer")));
        assertEquals(CloseCause.BROKEN_PIPE, CloseCause.of(new IOException("Broken pipe")));
        assertEquals(CloseCause.TIMED_OUT, CloseCause.of(new IOException("Connection timed out")));
        assertEquals(CloseCause.UNREACHABLE, CloseCause.of(new IOException("No route to host")));
        assertEquals(CloseCause.UNREACHABLE, CloseCause.of(new IOException("Network is unreachable")));
        assertEquals(CloseCause.ERROR, CloseCause.of(new IOException("Bad file descriptor")));
        assertEquals(CloseCause.ERROR, CloseCause.of(new java.nio.channels.ClosedChannelException()));
        assertEquals(AcceptError.TOO_MANY_OPEN_FILES, AcceptError.of(new IOException("Too many open files")));
        assertEquals(AcceptError.TOO_MANY_OPEN_FILES, AcceptError.of(new IOException("Too many open files in system")));
        assertEquals(AcceptError.ABORTED, AcceptError.of(new IOException("Software caused connection abort")));
        assertEquals(AcceptError.OTHER, AcceptError.of(new IOException("Invalid argument")));
    }

    /** Only {@code error} is unexpected (logged at error level with its stack trace). */
    @Test
    void onlyErrorIsAnUnexpectedCause() {
        for (CloseCause cause : CloseCause.values()) {
            assertEquals(cause != CloseCause.ERROR, cause.expected(), cause.tag());
        }
        assertEquals("broken.pipe", CloseCause.BROKEN_PIPE.tag());
    }
}
