package org.nioecho.kernel;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
