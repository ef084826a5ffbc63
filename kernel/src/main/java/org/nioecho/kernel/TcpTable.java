package org.nioecho.kernel;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The kernel's own view of TCP sockets, read from {@code /proc/net/tcp} and
 * {@code /proc/net/tcp6} (of the reading process's network namespace): what
 * {@code netstat -a} and {@code ss -tan} show.
 *
 * <pre>{@code
 * for (TcpTable.Entry e : TcpTable.onPort(9877)) System.out.println(e.state() + " " + e.remote());
 * }</pre>
 */
public final class TcpTable {
    private TcpTable() {
    }

    /**
     * One socket: addresses, state, queues, the running timer (0 none, 1 retransmit,
     * 2 keepalive, 3 TIME_WAIT, 4 zero-window probe) and its remaining jiffies, and inode
     * (0 for sockets no process holds: TIME_WAIT, orphans).
     */
    public record Entry(InetSocketAddress local, InetSocketAddress remote, TcpState state, long sendQueue,
                        long receiveQueue, int timer, long timerJiffies, long inode) {
        /** Whether either end uses {@code port}. */
        public boolean involves(int port) {
            return local.getPort() == port || remote.getPort() == port;
        }
    }

    /** Every TCP socket of this network namespace, IPv4 and IPv6. */
    public static List<Entry> read() throws IOException {
        return readTables(TcpTable::parse, "/proc/net/tcp", "/proc/net/tcp6");
    }

    /** The entries {@code parse} finds in each of {@code files}; a file that does not exist (no IPv6 here) adds none. */
    static <E> List<E> readTables(Function<List<String>, List<E>> parse, String... files) throws IOException {
        List<E> entries = new ArrayList<>();
        for (String file : files) {
            try {
                entries.addAll(parse.apply(Files.readAllLines(Path.of(file))));
            } catch (NoSuchFileException e) {
                // no IPv6 in this kernel or namespace: nothing to list
            }
        }
        return entries;
    }

    /** Sockets with {@code port} at either end. */
    public static List<Entry> onPort(int port) throws IOException {
        return read().stream().filter(e -> e.involves(port)).toList();
    }

    /** Parses the text of {@code /proc/net/tcp} or {@code tcp6} (header line included). */
    public static List<Entry> parse(List<String> lines) {
        List<Entry> entries = new ArrayList<>();
        for (String line : lines) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 10 || !f[0].endsWith(":") || f[0].equals("sl")) {
                continue;
            }
            String[] queues = f[4].split(":");
            String[] timer = f[5].split(":");
            entries.add(new Entry(address(f[1]), address(f[2]), TcpState.ofCode(Integer.parseInt(f[3], 16)),
                    Long.parseLong(queues[0], 16), Long.parseLong(queues[1], 16),
                    Integer.parseInt(timer[0], 16), Long.parseLong(timer[1], 16), Long.parseLong(f[9])));
        }
        return entries;
    }

    /** {@code 0100007F:2691} → 127.0.0.1:9873; addresses are 32-bit words in host (little-endian) order. */
    static InetSocketAddress address(String text) {
        int colon = text.indexOf(':');
        String hex = text.substring(0, colon);
        int port = Integer.parseInt(text.substring(colon + 1), 16);
        byte[] bytes = new byte[hex.length() / 2];
        for (int word = 0; word < bytes.length / 4; word++) {
            for (int i = 0; i < 4; i++) {
                int at = word * 8 + (3 - i) * 2;
                bytes[word * 4 + i] = (byte) Integer.parseInt(hex.substring(at, at + 2), 16);
            }
        }
        try {
            return new InetSocketAddress(InetAddress.getByAddress(bytes), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("bad address in /proc/net/tcp: " + text, e);
        }
    }
}
