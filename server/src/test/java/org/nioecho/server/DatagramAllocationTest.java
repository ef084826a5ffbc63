package org.nioecho.server;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the datagram path allocates on the reactor thread, by the JVM's own per-thread count
 * (com.sun.management.ThreadMXBean#getThreadAllocatedBytes), over 100,000 echoed datagrams
 * after a warm-up. From one sender: nothing (the JDK reuses the source address it returned
 * last). From two senders taking turns: the JDK decodes a new address object per datagram;
 * that is printed, not asserted (it is the JDK's, see docs/udp.md).
 */
class DatagramAllocationTest {
    private static final int WARMUP = 20_000;
    private static final int MEASURED = 100_000;

    @Test
    void oneSenderAllocatesNothingPerDatagram() throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (EchoServer server = EchoServer.start(ServerConfig.builder().port(0).udp(true).build());
             DatagramSocket first = DatagramPeers.bound(new InetSocketAddress("127.0.0.1", 0));
             DatagramSocket second = DatagramPeers.bound(new InetSocketAddress("127.0.0.1", 0))) {
            long reactorId = server.reactorThread().getId();
            byte[] payload = Peers.randomBytes(64, 64);
            pingPong(server.address(), payload, WARMUP, first, second);

            long before = threads.getThreadAllocatedBytes(reactorId);
            pingPong(server.address(), payload, MEASURED, first);
            long oneSender = threads.getThreadAllocatedBytes(reactorId) - before;

            before = threads.getThreadAllocatedBytes(reactorId);
            pingPong(server.address(), payload, MEASURED, first, second);
            long twoSenders = threads.getThreadAllocatedBytes(reactorId) - before;

            System.out.printf("reactor thread allocated over %,d datagrams: one sender %,d bytes (%.2f B/datagram),"
                            + " two senders taking turns %,d bytes (%.1f B/datagram), JDK %s%n",
                    MEASURED, oneSender, (double) oneSender / MEASURED, twoSenders, (double) twoSenders / MEASURED,
                    Runtime.version());
            assertTrue(oneSender < MEASURED, "under one byte per datagram from one sender: " + oneSender + " bytes");
        }
    }

    /** {@code count} datagrams, each echoed before the next is sent, from the senders in turn. */
    private static void pingPong(InetSocketAddress server, byte[] payload, int count, DatagramSocket... senders)
            throws Exception {
        DatagramPacket request = new DatagramPacket(payload, payload.length, server);
        DatagramPacket reply = new DatagramPacket(new byte[payload.length], payload.length);
        for (int i = 0; i < count; i++) {
            DatagramSocket sender = senders[i % senders.length];
            sender.send(request);
            sender.receive(reply); // SocketTimeoutException past the peers' bound
        }
        assertArrayEquals(payload, reply.getData());
    }
}
