package org.nioecho.kernel;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The kernel's own view of UDP sockets, read from {@code /proc/net/udp} and
 * {@code /proc/net/udp6} (of the reading process's network namespace): what
 * {@code ss -uan} shows. UDP has no TCP states: a socket is either connected to one
 * peer ({@code connect(2)}, ss's {@code ESTAB}) or not ({@code UNCONN}).
 *
 * <pre>{@code
 * for (UdpTable.Entry e : UdpTable.onPort(9877)) System.out.println(e.local() + " drops " + e.drops());
 * }</pre>
 */
public final class UdpTable {
    /** The kernel's state number of a connected UDP socket (TCP_ESTABLISHED); unconnected ones show 7 (TCP_CLOSE). */
    private static final int CONNECTED = 1;

    private UdpTable() {
    }

    /**
     * One socket: addresses, whether it is connected, the bytes queued for sending and
     * waiting to be read (the kernel's {@code tx_queue}/{@code rx_queue}), inode, and the
     * datagrams the kernel dropped for it (receive buffer full, bad checksum, filter).
     */
    public record Entry(InetSocketAddress local, InetSocketAddress remote, boolean connected, long sendQueueBytes,
                        long receiveQueueBytes, long inode, long drops) {
        /** Whether either end uses {@code port}. */
        public boolean involves(int port) {
            return local.getPort() == port || remote.getPort() == port;
        }

        /** The state name {@code ss} prints: {@code ESTAB} (connected) or {@code UNCONN}. */
        public String ssState() {
            return connected ? "ESTAB" : "UNCONN";
        }
    }

    /** Every UDP socket of this network namespace, IPv4 and IPv6. */
    public static List<Entry> read() throws IOException {
        return TcpTable.readTables(UdpTable::parse, "/proc/net/udp", "/proc/net/udp6");
    }

    /** Sockets with {@code port} at either end. */
    public static List<Entry> onPort(int port) throws IOException {
        return read().stream().filter(e -> e.involves(port)).toList();
    }

    /**
     * Parses the text of {@code /proc/net/udp} or {@code udp6} (header line included): {@code sl
     * local remote st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ref pointer drops}.
     */
    public static List<Entry> parse(List<String> lines) {
        List<Entry> entries = new ArrayList<>();
        for (String line : lines) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 13 || !f[0].endsWith(":") || f[0].equals("sl")) {
                continue;
            }
            String[] queues = f[4].split(":");
            entries.add(new Entry(TcpTable.address(f[1]), TcpTable.address(f[2]), Integer.parseInt(f[3], 16) == CONNECTED,
                    Long.parseLong(queues[0], 16), Long.parseLong(queues[1], 16), Long.parseLong(f[9]),
                    Long.parseLong(f[12])));
        }
        return entries;
    }
}
