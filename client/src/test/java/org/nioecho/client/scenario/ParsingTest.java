package org.nioecho.client.scenario;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The server's summary line and the errno names read from exception messages. */
class ParsingTest {
    @Test
    void readsTheSummaryWithCausesAndAcceptErrors() {
        ServerStats stats = ServerStats.parse("stats 12 connections, 3456 bytes in, 3400 bytes out, "
                + "closed: eof=10 broken.pipe=1, accept errors: aborted=1");
        assertEquals(12, stats.accepted());
        assertEquals(3456, stats.bytesIn());
        assertEquals(3400, stats.bytesOut());
        assertEquals(Map.of("eof", 10L, "broken.pipe", 1L), stats.closed());
        assertEquals(11, stats.closedTotal());
        assertEquals(1, stats.open());
        assertEquals(1, stats.acceptErrorsTotal());
    }

    @Test
    void readsTheStoppedLineWithNothingClosed() {
        ServerStats stats = ServerStats.parse("nioecho server stopped: 0 connections, 0 bytes in, 0 bytes out, closed: none");
        assertEquals(0, stats.accepted());
        assertEquals(Map.of(), stats.closed());
        assertEquals(Map.of(), stats.acceptErrors());
    }

    @Test
    void rejectsWhatIsNotASummary() {
        assertThrows(IllegalArgumentException.class, () -> ServerStats.parse("control: error stats: boom"));
    }

    @Test
    void namesErrnoByMessageLoosely() {
        assertEquals("ECONNRESET", Errno.of(new SocketException("Connection reset")));
        assertEquals("ECONNRESET", Errno.of(new IOException("Connection reset by peer")));
        assertEquals("EPIPE", Errno.of(new IOException("Broken pipe")));
        assertEquals("ETIMEDOUT", Errno.of(new SocketException("Connection timed out")));
        assertEquals("EHOSTUNREACH", Errno.of(new IOException("No route to host")));
        assertEquals("ECONNREFUSED", Errno.of(new IOException("Connection refused")));
        assertEquals("SO_TIMEOUT expired", Errno.of(new SocketTimeoutException("Read timed out")));
        assertEquals("?", Errno.of(new IOException("something else")));
    }

    @Test
    void callsDescribeEofAndFailures() {
        assertEquals("EOF (-1)", Call.returned(-1).describe("ok"));
        assertEquals("5 bytes", Call.returned(5).describe("5 bytes"));
        assertEquals("SocketException: Broken pipe (EPIPE)", Call.threw(new SocketException("Broken pipe")).describe("ok"));
        assertEquals("ETIMEDOUT", Call.threw("SocketException", "Connection timed out").brief());
    }
}
