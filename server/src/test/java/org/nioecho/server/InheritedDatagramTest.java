package org.nioecho.server;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A UDP socket from a real super-server, {@code systemd-socket-activate -d --inetd}: it binds,
 * waits for the first datagram, then runs the JVM with the socket on standard input.
 * {@link System#inheritedChannel()} gives a {@link DatagramChannel}, which the same handler
 * serves: the first datagram (the one that woke the super-server) and a 65,507-byte one come
 * back exactly.
 */
class InheritedDatagramTest {
    private static final Path ACTIVATE = Path.of("/usr/bin/systemd-socket-activate");

    /**
     * IPv4 with {@code -Djava.net.preferIPv4Stack=true}: JDK 25 takes an inherited datagram
     * socket for IPv6 whenever IPv6 is available and its replies to IPv4 sources then fail with
     * "Address family not supported by protocol" (JDK 17 does not); the property is the remedy
     * docs/udp.md gives. IPv6 needs nothing.
     */
    @ParameterizedTest
    @CsvSource({"127.0.0.1, 127.0.0.1, -Djava.net.preferIPv4Stack=true", "::1, [::1], -Dnioecho.test=ipv6"})
    void anInheritedDatagramSocketIsServedByTheSameHandler(String host, String listen, String jvmOption) throws Exception {
        assumeTrue(Files.isExecutable(ACTIVATE), "needs systemd-socket-activate (package systemd)");
        int port;
        try (DatagramChannel probe = DatagramChannel.open()) {
            probe.bind(new InetSocketAddress(host, 0));
            port = ((InetSocketAddress) probe.getLocalAddress()).getPort();
        }
        InetSocketAddress address = new InetSocketAddress(host, port);
        Process process = new ProcessBuilder(ACTIVATE.toString(), "-d", "--inetd", "-l", listen + ":" + port,
                ProcessHandle.current().info().command().orElse("java"), jvmOption, "-cp", System.getProperty("java.class.path"),
                InheritedDatagramMain.class.getName())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (DatagramSocket peer = new DatagramSocket(new InetSocketAddress(host, 0))) {
            peer.setSoTimeout(30_000); // the JVM starts only once the first datagram has come
            byte[] first = "wake up".getBytes();
            assertArrayEquals(first, echoWhenListening(peer, address, first));
            byte[] largest = Peers.randomBytes(65_507, 7);
            peer.setSoTimeout(10_000);
            peer.send(new DatagramPacket(largest, largest.length, address));
            // Echoes of the resent wake-ups may come first: each is the 7-byte datagram again.
            DatagramPacket reply = new DatagramPacket(new byte[65_536], 65_536);
            for (int i = 0; i < 40; i++) {
                peer.receive(reply);
                if (reply.getLength() != first.length) {
                    break;
                }
            }
            assertArrayEquals(largest, Arrays.copyOf(reply.getData(), reply.getLength()));
        } finally {
            process.destroy(); // SIGTERM: the shutdown hook closes the server
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
        assertTrue(!process.isAlive(), "the server ended on SIGTERM");
    }

    /** The super-server binds a moment after it starts: resend while nothing answers yet (bounded). */
    private static byte[] echoWhenListening(DatagramSocket peer, InetSocketAddress address, byte[] payload) throws IOException {
        peer.setSoTimeout(1000);
        for (int attempt = 0; ; attempt++) {
            try {
                return DatagramPeers.echo(peer, address, payload);
            } catch (java.net.SocketTimeoutException | java.net.PortUnreachableException e) {
                if (attempt == 30) {
                    throw e;
                }
            }
        }
    }
}
