package org.nioecho.harness;

import org.nioecho.kernel.TcpState;
import org.nioecho.kernel.TcpTable;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a server shows it serves: the line it prints ({@code ... listening on HOST:PORT}, the
 * reactor's and the bench's peer servers' start-up line), or, for a command that prints no
 * such line, its port in LISTEN in the kernel's socket table.
 */
public final class Listening {
    private static final Pattern LINE = Pattern.compile("listening on \\[?([^\\]\\s]+?)]?:(\\d+)(?:\\s+tls sha256=[0-9A-F:]+)?\\s*$");

    private Listening() {
    }

    /** {@code nioecho NAME listening on 127.0.0.1:PORT} ({@code [::1]:PORT} for IPv6; with --tls, {@code tls sha256=...} after it). */
    public static String line(String name, InetSocketAddress address) {
        String host = address.getAddress().getHostAddress();
        return "nioecho " + name + " listening on " + (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    /** The address in a {@code ... listening on HOST:PORT} line, if it is one. */
    public static Optional<InetSocketAddress> parse(String line) {
        Matcher m = LINE.matcher(line);
        return m.find() ? Optional.of(new InetSocketAddress(m.group(1), Integer.parseInt(m.group(2)))) : Optional.empty();
    }

    /**
     * Whether a socket of this network namespace listens where a loopback client reaches
     * {@code port}: on 127.0.0.1, ::1 or a wildcard address. Other local addresses do not
     * count: the table is the machine's, and a socket on, say, 127.0.0.2 may share the number.
     */
    public static boolean isListening(int port) throws IOException {
        return TcpTable.read().stream().anyMatch(e -> e.state() == TcpState.LISTEN && e.local().getPort() == port
                && reachableFromLoopback(e.local().getAddress()));
    }

    private static boolean reachableFromLoopback(InetAddress address) {
        return address.isAnyLocalAddress() || address.equals(InetAddress.getLoopbackAddress())
                || address.getHostAddress().equals("0:0:0:0:0:0:0:1");
    }

    /** A loopback port free at this moment, for a command that takes its port as an argument. */
    public static int freeLoopbackPort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }
}
