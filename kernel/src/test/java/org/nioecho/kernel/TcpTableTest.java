package org.nioecho.kernel;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Parsing the kernel's {@code /proc/net/tcp} lines. */
class TcpTableTest {
    @Test
    void parsesTheKernelsTcpTable() {
        var entries = TcpTable.parse(List.of(
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
