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

    @Test
    void parsesTheKernelsTcpTable() {
        var entries = TcpTable.parse(java.util.List.of(
                "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
                "   0: 0100007F:2695 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 1 0",
                "   1: 0100007F:2695 0100007F:D431 08 00000000:00000010 00:00000000 00000000     0        0 12346 1 0",
                "   2: 0100007F:D431 0100007F:2695 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0"));
        assertEquals(3, entries.size());
        assertEquals(TcpState.LISTEN, entries.get(0).state());
        assertEquals(9877, entries.get(0).local().getPort());
        assertEquals("127.0.0.1", entries.get(0).local().getAddress().getHostAddress());
        assertEquals(TcpState.CLOSE_WAIT, entries.get(1).state());
        assertEquals(16, entries.get(1).receiveQueue());
        assertEquals(54321, entries.get(1).remote().getPort());
        assertEquals(TcpState.TIME_WAIT, entries.get(2).state());
        assertEquals(3, entries.get(2).timer());
        assertEquals("FIN-WAIT-1", TcpState.FIN_WAIT1.ssName());
    }

    /** Only {@code error} is unexpected (logged at error level with its stack trace). */
    @Test
    void onlyErrorIsAnUnexpectedCause() {
        for (CloseCause cause : CloseCause.values()) {
            assertEquals(cause != CloseCause.ERROR, cause.expected(), cause.tag());
        }
        assertEquals("broken.pipe", CloseCause.BROKEN_PIPE.tag());
    }

    /** {@code /proc/net/tcp6}: four 32-bit words, each in host (little-endian) order. */
    @Test
    void parsesIpv6LinesOfTheKernelsTable() throws Exception {
        List<TcpTable.Entry> entries = TcpTable.parse(List.of(
                "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
                "   0: 00000000000000000000000001000000:2691 0000000000000000FFFF00000201A8C0:D431 01 00000010:00000020 02:0000002A 00000000     0        0 4242 1"));
        assertEquals(1, entries.size());
        TcpTable.Entry e = entries.get(0);
        assertEquals(new InetSocketAddress(InetAddress.getByName("::1"), 9873), e.local());
        assertEquals(new InetSocketAddress(InetAddress.getByName("192.168.1.2"), 54321).getAddress().getHostAddress(),
                e.remote().getAddress().getHostAddress()); // ::ffff:192.168.1.2, which Java shows as IPv4
        assertEquals(54321, e.remote().getPort());
        assertEquals(TcpState.ESTABLISHED, e.state());
        assertEquals(16, e.sendQueue());
        assertEquals(32, e.receiveQueue());
        assertEquals(2, e.timer());
        assertEquals(42, e.timerJiffies());
        assertEquals(4242, e.inode());
        assertTrue(e.involves(9873));
        assertTrue(e.involves(54321));
        assertFalse(e.involves(9877));
    }
}
