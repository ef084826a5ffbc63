package org.nioecho.server;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The one-line summary printed at shutdown and answered to {@code stats}, as the README shows it. */
class ServerMetricsSummaryTest {
    @Test
    void nothingYet() {
        assertEquals("0 connections, 0 bytes in, 0 bytes out, closed: none", new ServerMetrics().summary());
    }

    @Test
    void namesEachCauseAndAcceptErrorThatOccurredInDeclarationOrder() {
        ServerMetrics metrics = new ServerMetrics();
        metrics.accepted = 12;
        metrics.bytesReceived = 3456;
        metrics.bytesSent = 3455;
        metrics.queuedBytes = 1;
        for (int i = 0; i < 10; i++) {
            metrics.countClose(CloseCause.EOF);
        }
        metrics.countClose(CloseCause.SHUTDOWN);
        metrics.countClose(CloseCause.SHUTDOWN);
        assertEquals("12 connections, 3456 bytes in, 3455 bytes out, closed: eof=10 shutdown=2", metrics.summary());
        metrics.countAcceptError(AcceptError.TOO_MANY_OPEN_FILES);
        metrics.countAcceptError(AcceptError.TOO_MANY_OPEN_FILES);
        metrics.countAcceptError(AcceptError.OTHER);
        assertEquals("12 connections, 3456 bytes in, 3455 bytes out, closed: eof=10 shutdown=2,"
                + " accept errors: too.many.open.files=2 other=1", metrics.summary());
        assertEquals(2, metrics.acceptErrors(AcceptError.TOO_MANY_OPEN_FILES));
        assertEquals(0, metrics.acceptErrors(AcceptError.ABORTED));
        assertEquals(1, metrics.queuedBytes());
        assertEquals(12, metrics.closedTotal());
    }

    @Test
    void acceptErrorsAloneStillSayClosedNone() {
        ServerMetrics metrics = new ServerMetrics();
        metrics.countAcceptError(AcceptError.ABORTED);
        assertEquals("0 connections, 0 bytes in, 0 bytes out, closed: none, accept errors: aborted=1", metrics.summary());
    }

    @Test
    void datagramsAppearOnceOneCameWithTheirDropsInDeclarationOrder() {
        ServerMetrics metrics = new ServerMetrics();
        metrics.countDatagramDrop(DatagramDrop.RATE); // a drop alone, with nothing received, is not possible; not shown
        assertEquals("0 connections, 0 bytes in, 0 bytes out, closed: none", metrics.summary());
        metrics.datagramsReceived = 10;
        metrics.datagramsSent = 6;
        metrics.countDatagramDrop(DatagramDrop.ABUSE_PORT);
        metrics.countDatagramDrop(DatagramDrop.SEND_BUFFER_FULL);
        metrics.countDatagramDrop(DatagramDrop.SEND_BUFFER_FULL);
        assertEquals("0 connections, 0 bytes in, 0 bytes out, closed: none, datagrams: 10 in, 6 out,"
                + " dropped: abuse.port=1 rate=1 send.buffer.full=2", metrics.summary());
        ServerMetrics clean = new ServerMetrics();
        clean.datagramsReceived = 1;
        clean.datagramsSent = 1;
        assertEquals("0 connections, 0 bytes in, 0 bytes out, closed: none, datagrams: 1 in, 1 out, dropped: none",
                clean.summary());
    }
}
