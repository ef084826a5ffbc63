package org.nioecho.kernel;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Parsing the kernel's {@code /proc/net/udp} lines, and reading real sockets from it. */
class UdpTableTest {
    @Test
    void parsesTheKernelsUdpTable() throws Exception {
        List<UdpTable.Entry> entries = UdpTable.parse(List.of(
                "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops",
                "  123: 0100007F:2695 00000000:0000 07 00000000:00000300 00:00000000 00000000  1000        0 12345 2 0000000000000000 17",
                "  124: 0100007F:D431 0100007F:2695 01 00000040:00000000 00:00000000 00000000  1000        0 12346 2 0000000000000000 0",
                "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops",
                "  500: 00000000000000000000000001000000:2695 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 777 2 0000000000000000 3"));
        assertEquals(3, entries.size());
        UdpTable.Entry server = entries.get(0);
        assertEquals(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 9877), server.local());
        assertFalse(server.connected());
        assertEquals("UNCONN", server.ssState());
        assertEquals(0x300, server.receiveQueueBytes());
        assertEquals(0, server.sendQueueBytes());
        assertEquals(12345, server.inode());
        assertEquals(17, server.drops());
        UdpTable.Entry client = entries.get(1);
        assertTrue(client.connected());
        assertEquals("ESTAB", client.ssState());
        assertEquals(54321, client.local().getPort());
        assertEquals(9877, client.remote().getPort());
        assertEquals(0x40, client.sendQueueBytes());
        assertTrue(client.involves(9877));
        assertFalse(client.involves(9878));
        UdpTable.Entry six = entries.get(2);
        assertEquals(new InetSocketAddress(InetAddress.getByName("::1"), 9877), six.local());
        assertEquals(3, six.drops());
    }

    /** A real bound socket and a real connected one, as the kernel lists them; unread bytes show in the queue. */
    @Test
    void listsRealSocketsWithTheirReceiveQueue() throws Exception {
        try (DatagramChannel server = DatagramChannel.open(StandardProtocolFamily.INET);
             DatagramChannel client = DatagramChannel.open(StandardProtocolFamily.INET)) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
            client.connect(server.getLocalAddress());
            client.write(ByteBuffer.wrap(new byte[100]));
            int clientPort = ((InetSocketAddress) client.getLocalAddress()).getPort();

            List<UdpTable.Entry> entries = UdpTable.onPort(port);
            UdpTable.Entry bound = entries.stream().filter(e -> e.local().getPort() == port).findFirst().orElseThrow();
            UdpTable.Entry connected = entries.stream().filter(e -> e.local().getPort() == clientPort).findFirst().orElseThrow();
            assertFalse(bound.connected(), entries.toString());
            assertTrue(bound.receiveQueueBytes() > 0, "the unread datagram is queued: " + entries);
            assertTrue(connected.connected(), entries.toString());
            assertEquals(port, connected.remote().getPort());
            assertEquals(0, bound.drops());
        }
    }
}
