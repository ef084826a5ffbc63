package org.nioecho.server;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** UDP test peers: blocking datagram sockets with a bounded receive, and the kernel's UDP table. */
final class DatagramPeers {
    /** Bound on every blocking receive of a test peer (SO_TIMEOUT). */
    static final int RECEIVE_TIMEOUT_MS = 10_000;

    private DatagramPeers() {
    }

    /** A socket bound to {@code local} whose receives time out. */
    static DatagramSocket bound(InetSocketAddress local) throws IOException {
        DatagramSocket socket = new DatagramSocket(null);
        try {
            socket.bind(local);
            socket.setSoTimeout(RECEIVE_TIMEOUT_MS);
            return socket;
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    /** Sends {@code payload} to {@code server} and returns the one datagram that comes back. */
    static byte[] echo(DatagramSocket socket, InetSocketAddress server, byte[] payload) throws IOException {
        socket.send(new DatagramPacket(payload, payload.length, server));
        DatagramPacket reply = new DatagramPacket(new byte[65_536], 65_536);
        socket.receive(reply); // SocketTimeoutException past RECEIVE_TIMEOUT_MS
        return Arrays.copyOf(reply.getData(), reply.getLength());
    }

    /**
     * The kernel's count of datagrams dropped at the UDP socket bound to {@code port} on
     * 127.0.0.1 (the {@code drops} column of /proc/net/udp, or of udp6 for a dual-stack socket
     * bound to the IPv4-mapped address: receive buffer full and the like).
     */
    static long kernelDrops(int port) throws IOException {
        String portHex = ":" + String.format("%04X", port);
        for (String table : new String[] {"/proc/net/udp", "/proc/net/udp6"}) {
            List<String> lines = Files.readAllLines(Path.of(table));
            for (String line : lines.subList(1, lines.size())) {
                String[] fields = line.trim().split("\\s+");
                if (fields[1].equals("0100007F" + portHex) || fields[1].equals("0000000000000000FFFF00000100007F" + portHex)) {
                    return Long.parseLong(fields[fields.length - 1]);
                }
            }
        }
        throw new IllegalStateException("no UDP socket on 127.0.0.1:" + port + " in /proc/net/udp{,6}");
    }
}
