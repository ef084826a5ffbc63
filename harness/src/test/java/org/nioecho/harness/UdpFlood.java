package org.nioecho.harness;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.TimeUnit;

/**
 * A UDP flood for one bounded stretch of time: {@code UdpFlood HOST PORT SOCKETS MILLIS}
 * sends 1000-byte datagrams from several non-blocking sockets in turn, reads none of the
 * replies, and prints {@code sent N full M} (M: sends its own full send buffers refused).
 * Run as its own process, e.g. inside another network namespace.
 */
public final class UdpFlood {
    private UdpFlood() {
    }

    public static void main(String[] args) throws Exception {
        InetSocketAddress target = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
        DatagramChannel[] sockets = new DatagramChannel[Integer.parseInt(args[2])];
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Long.parseLong(args[3]));
        for (int i = 0; i < sockets.length; i++) {
            sockets[i] = DatagramChannel.open();
            sockets[i].bind(new InetSocketAddress(target.getAddress(), 0));
            sockets[i].configureBlocking(false);
        }
        ByteBuffer payload = ByteBuffer.allocateDirect(1000);
        long sent = 0;
        long full = 0;
        while (System.nanoTime() - deadline < 0) {
            for (DatagramChannel socket : sockets) {
                payload.clear();
                if (socket.send(payload, target) > 0) {
                    sent++;
                } else {
                    full++;
                }
            }
        }
        System.out.println("sent " + sent + " full " + full);
        for (DatagramChannel socket : sockets) {
            socket.close();
        }
    }
}
