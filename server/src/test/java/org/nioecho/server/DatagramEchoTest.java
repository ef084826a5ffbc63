package org.nioecho.server;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.BindException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** UDP echo over real loopback sockets: exact echo, the abuse filter, the rate limit, a flood. */
class DatagramEchoTest {
    private static final InetSocketAddress ANY_LOOPBACK_PORT = new InetSocketAddress("127.0.0.1", 0);

    private static EchoServer udpServer(int ratePerSecond) throws IOException {
        return EchoServer.start(ServerConfig.builder().port(0).udp(true).udpRatePerSecond(ratePerSecond).build());
    }

    @Test
    void everySizeComesBackExactlyAndShutdownFreesThePort() throws Exception {
        int[] sizes = {1, 1472, 8 * 1024, 65_507};
        InetSocketAddress address;
        try (EchoServer server = udpServer(0); DatagramSocket peer = DatagramPeers.bound(ANY_LOOPBACK_PORT)) {
            address = server.address();
            long bytes = 0;
            for (int size : sizes) {
                byte[] payload = Peers.randomBytes(size, size);
                assertArrayEquals(payload, DatagramPeers.echo(peer, address, payload), size + " bytes");
                bytes += size;
            }
            ServerMetrics metrics = server.metrics();
            await().atMost(Duration.ofSeconds(10)).until(() -> metrics.datagramsSent() == sizes.length);
            assertEquals(sizes.length, metrics.datagramsReceived());
            assertEquals(bytes, metrics.datagramBytesReceived());
            assertEquals(bytes, metrics.datagramBytesSent());
            assertEquals(0, metrics.bytesReceived(), "UDP bytes are not TCP bytes");
            assertTrue(server.summary().endsWith(", datagrams: 4 in, 4 out, dropped: none"), server.summary());
        }
        try (DatagramChannel again = DatagramChannel.open()) {
            again.bind(address); // throws BindException if the server left its UDP socket open
        }
    }

    @Test
    void nothingIsAnsweredFromSourcePort19AndTheDropIsCounted() throws Exception {
        try (EchoServer server = udpServer(0); DatagramSocket marker = DatagramPeers.bound(ANY_LOOPBACK_PORT)) {
            DatagramChannel chargen = DatagramChannel.open();
            try {
                chargen.bind(new InetSocketAddress("127.0.0.1", 19));
            } catch (BindException e) {
                chargen.close();
                assumeTrue(false, "binding port 19 needs root (CAP_NET_BIND_SERVICE): " + e.getMessage());
            }
            try (chargen) {
                chargen.send(ByteBuffer.wrap("chargen says hello".getBytes()), server.address());
                // The server reads its socket in order: once the marker's echo is back, the
                // datagram from port 19 has been handled, and any reply to it delivered.
                assertArrayEquals(new byte[] {42}, DatagramPeers.echo(marker, server.address(), new byte[] {42}));
                chargen.configureBlocking(false);
                assertNull(chargen.receive(ByteBuffer.allocate(100)), "a reply went to port 19");
                ServerMetrics metrics = server.metrics();
                await().atMost(Duration.ofSeconds(10)).until(() -> metrics.datagramsSent() == 1);
                assertEquals(2, metrics.datagramsReceived());
                assertEquals(1, metrics.datagramsDropped(DatagramDrop.ABUSE_PORT));
            }
        }
    }

    @Test
    void nothingIsAnsweredFromTheServersOwnPortOnALocalAddress() throws Exception {
        try (EchoServer server = udpServer(0); DatagramSocket marker = DatagramPeers.bound(ANY_LOOPBACK_PORT);
             // Another local address with the server's port: a spoofed source, or another listener of ours.
             DatagramSocket twin = DatagramPeers.bound(new InetSocketAddress("127.0.0.2", server.address().getPort()))) {
            twin.send(new DatagramPacket(new byte[] {1, 2, 3}, 3, server.address()));
            assertArrayEquals(new byte[] {42}, DatagramPeers.echo(marker, server.address(), new byte[] {42}));
            twin.setSoTimeout(1); // the reply, if any, was delivered before the marker's
            try {
                twin.receive(new DatagramPacket(new byte[10], 10));
                throw new AssertionError("a reply went to the server's own port");
            } catch (SocketTimeoutException expected) {
                // nothing came back
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> server.metrics().datagramsDropped(DatagramDrop.OWN_ADDRESS) == 1);
            assertEquals(1, server.metrics().datagramsSent());
        }
    }

    @Test
    void overTheRateLimitIsDroppedAndCounted() throws Exception {
        int count = 20;
        try (EchoServer server = udpServer(1); DatagramSocket peer = DatagramPeers.bound(ANY_LOOPBACK_PORT)) {
            long startNanos = System.nanoTime();
            for (int i = 0; i < count; i++) {
                peer.send(new DatagramPacket(new byte[] {(byte) i}, 1, server.address()));
            }
            ServerMetrics metrics = server.metrics();
            await().atMost(Duration.ofSeconds(10)).until(() -> metrics.datagramsReceived() == count);
            long elapsedSeconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startNanos) + 1;
            await().atMost(Duration.ofSeconds(10)).until(() -> metrics.datagramsSent()
                    + metrics.datagramsDropped(DatagramDrop.RATE) == count);
            // 1 a second with a burst of 1: at most one reply per started second.
            assertTrue(metrics.datagramsSent() >= 1 && metrics.datagramsSent() <= 1 + elapsedSeconds,
                    metrics.datagramsSent() + " replies in under " + elapsedSeconds + " s");
        }
    }

    /**
     * The reactor is held for a moment (a task waiting on a latch) while a peer sends more
     * than the server's receive buffer holds, and reads none of the replies. The kernel drops
     * what does not fit and counts it on the server's socket; the server answers or counts each
     * datagram it got, and holds none back: the replies that do not fit the peer's buffer are
     * dropped and counted by the kernel at the peer.
     */
    @Test
    void aFloodThatOverflowsTheSocketIsCountedNotQueued() throws Exception {
        int flood = 2000;
        try (EchoServer server = udpServer(0); DatagramSocket peer = DatagramPeers.bound(ANY_LOOPBACK_PORT)) {
            int serverPort = server.address().getPort();
            long serverDropsBefore = DatagramPeers.kernelDrops(serverPort);
            CountDownLatch held = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            server.reactor().execute(() -> {
                held.countDown();
                try {
                    release.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertTrue(held.await(10, TimeUnit.SECONDS), "the reactor ran the holding task");
            byte[] payload = new byte[1000];
            for (int i = 0; i < flood; i++) {
                peer.send(new DatagramPacket(payload, payload.length, server.address()));
            }
            long serverDrops = DatagramPeers.kernelDrops(serverPort) - serverDropsBefore;
            release.countDown();

            assertTrue(serverDrops > 0, "the flood overflowed the server's receive buffer");
            ServerMetrics metrics = server.metrics();
            await().atMost(Duration.ofSeconds(10)).until(() -> metrics.datagramsReceived() == flood - serverDrops);
            await().atMost(Duration.ofSeconds(10)).until(() -> metrics.datagramsSent() + droppedTotal(metrics) == flood - serverDrops);
            long sent = metrics.datagramsSent();
            long peerDrops = DatagramPeers.kernelDrops(peer.getLocalPort());
            long queuedAtPeer = 0;
            peer.setSoTimeout(1);
            try {
                while (true) {
                    peer.receive(new DatagramPacket(new byte[2000], 2000));
                    queuedAtPeer++;
                }
            } catch (SocketTimeoutException drained) {
                // the peer's buffer is empty
            }
            assertEquals(sent, queuedAtPeer + peerDrops, "each reply the server sent reached the peer or was dropped by its kernel");
            assertFalse(server.summary().isEmpty());
        }
    }

    private static long droppedTotal(ServerMetrics metrics) {
        long total = 0;
        for (DatagramDrop reason : DatagramDrop.values()) {
            total += metrics.datagramsDropped(reason);
        }
        return total;
    }

    /**
     * The hook a listener or an inherited socket uses: any bound datagram channel, here IPv6
     * on a server started without {@code --udp}, handed to the reactor on its own thread.
     */
    @Test
    void anyBoundDatagramChannelIsServedIPv6Too() throws Exception {
        try (EchoServer server = EchoServer.start(ServerConfig.builder().port(0).build());
             DatagramChannel channel = DatagramChannel.open(StandardProtocolFamily.INET6)) {
            channel.bind(new InetSocketAddress("::1", 0));
            CompletableFuture<Void> served = new CompletableFuture<>();
            server.reactor().execute(() -> {
                try {
                    server.reactor().serveDatagrams(channel);
                    served.complete(null);
                } catch (IOException e) {
                    served.completeExceptionally(e);
                }
            });
            served.get(10, TimeUnit.SECONDS);
            InetSocketAddress address = (InetSocketAddress) channel.getLocalAddress();
            try (DatagramSocket peer = DatagramPeers.bound(new InetSocketAddress("::1", 0))) {
                byte[] payload = Peers.randomBytes(1472, 6);
                assertArrayEquals(payload, DatagramPeers.echo(peer, address, payload));
            }
            server.shutdown();
            assertTrue(server.awaitTermination(Duration.ofSeconds(10)));
            assertFalse(channel.isOpen(), "the reactor closed the channel it was given");
        }
    }

    @Test
    void theAbusePortsAreTheClassicServicesAndZero() {
        for (int port : new int[] {0, 7, 9, 13, 19, 37}) {
            assertTrue(DatagramEcho.abusePort(port), "port " + port);
        }
        for (int port : new int[] {1, 6, 8, 10, 12, 14, 18, 20, 36, 38, 53, 9877, 65535}) {
            assertFalse(DatagramEcho.abusePort(port), "port " + port);
        }
    }
}
