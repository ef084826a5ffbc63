package org.nioecho.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.Channel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.Pipe;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a super-server hands over ({@code --inherited}), in this JVM: the test makes the channel
 * that {@link System#inheritedChannel()} would return (a listening socket, one end of a real
 * loopback connection, a bound datagram socket, or something the server refuses) and gives it
 * to the command's {@code startInherited}, or the connection to {@link EchoServer#serveInherited}.
 */
@ExtendWith(KeepsRootLogLevel.class)
@Timeout(30)
class InheritedInProcessTest {
    private static final InetSocketAddress LOOPBACK = new InetSocketAddress("127.0.0.1", 0);
    private static EchoServer startInherited(Channel channel) throws Exception {
        CommandLine command = EchoServerCommand.commandLine();
        command.parseArgs("--inherited");
        EchoServerCommand inherited = command.getCommand();
        return inherited.startInherited(inherited.config(null), null, channel);
    }

    @Test
    void aHandedOverConnectionIsEchoedAndItsEndStopsTheServer() throws Exception {
        try (ServerSocketChannel acceptor = ServerSocketChannel.open().bind(LOOPBACK);
             SocketChannel client = Peers.connect((InetSocketAddress) acceptor.getLocalAddress())) {
            EchoServer server = EchoServer.serveInherited(ServerConfig.builder().build(), acceptor.accept(), null);
            try {
                assertEquals(List.of(), server.addresses(), "no listening address");
                byte[] payload = Peers.randomBytes(100_000, 3);
                assertArrayEquals(payload, Peers.echo(client, payload));
                assertTrue(server.awaitTermination(Duration.ofSeconds(10)), "the server stops when its connection ends");
                assertEquals(1, server.metrics().accepted);
                assertEquals(null, server.failure());
            } finally {
                server.close();
            }
        }
    }

    /** A channel the reactor cannot serve fails the start: the channel and the reactor's selector are closed. */
    @Test
    void aConnectionThatCannotBeServedIsClosedAndSoIsTheSelector() throws Exception {
        SocketChannel closed = SocketChannel.open();
        closed.close();
        long before = epollInstances();
        assertThrows(ClosedChannelException.class, () -> EchoServer.serveInherited(ServerConfig.builder().build(), closed, null));
        assertTrue(epollInstances() <= before, "the reactor's selector was left open");

        SocketChannel unconnected = SocketChannel.open(); // no peer: it cannot become a connection
        assertThrows(RuntimeException.class, () -> EchoServer.serveInherited(ServerConfig.builder().build(), unconnected, null));
        assertFalse(unconnected.isOpen(), "the handed-over channel was left open");
    }

    @Test
    void anInheritedListenerIsServedLikeAListenOneAndLeftOpen() throws Exception {
        try (ServerSocketChannel listener = ServerSocketChannel.open().bind(LOOPBACK)) {
            try (EchoServer server = startInherited(listener)) {
                assertEquals(List.of(listener.getLocalAddress()), server.addresses());
                byte[] payload = Peers.randomBytes(10_000, 5);
                assertArrayEquals(payload, Peers.echo(server.address(), payload));
            }
            assertTrue(listener.isOpen(), "an inherited listener is left open");
        }
    }

    @Test
    void anInheritedConnectionIsServedUntilItEnds() throws Exception {
        try (ServerSocketChannel acceptor = ServerSocketChannel.open().bind(LOOPBACK);
             SocketChannel client = Peers.connect((InetSocketAddress) acceptor.getLocalAddress())) {
            try (EchoServer server = startInherited(acceptor.accept())) {
                assertEquals(List.of(), server.addresses());
                byte[] payload = Peers.randomBytes(10_000, 6);
                assertArrayEquals(payload, Peers.echo(client, payload));
                assertTrue(server.awaitTermination(Duration.ofSeconds(10)), "the server stops when its connection ends");
            }
        }
    }

    @Test
    void anInheritedDatagramSocketIsServedWithUdpEchoAndLeftOpen() throws Exception {
        try (DatagramChannel datagrams = DatagramChannel.open(StandardProtocolFamily.INET).bind(LOOPBACK);
             DatagramSocket peer = DatagramPeers.bound(LOOPBACK)) {
            InetSocketAddress address = (InetSocketAddress) datagrams.getLocalAddress();
            try (EchoServer server = startInherited(datagrams)) {
                assertEquals(List.of(address), server.addresses());
                byte[] payload = Peers.randomBytes(1000, 7);
                assertArrayEquals(payload, DatagramPeers.echo(peer, address, payload));
            }
            assertTrue(datagrams.isOpen(), "an inherited datagram socket is left open");
        }
    }

    /** Unbound, unconnected, not a socket, nothing: refused with a line that says which. */
    @Test
    void whatCannotBeServedIsRefusedWithOneLine() throws Exception {
        try (ServerSocketChannel unbound = ServerSocketChannel.open();
             SocketChannel unconnected = SocketChannel.open();
             DatagramChannel unboundDatagrams = DatagramChannel.open()) {
            Pipe pipe = Pipe.open();
            try (Pipe.SourceChannel source = pipe.source(); Pipe.SinkChannel sink = pipe.sink()) {
                for (Channel channel : new Channel[] {unbound, unconnected, unboundDatagrams, source}) {
                    String message = assertThrows(EchoServerCommand.InheritedSocketRefused.class, () -> startInherited(channel))
                            .getMessage();
                    assertEquals("standard input is a socket this server cannot serve (" + channel.getClass().getSimpleName()
                            + "); it serves TCP and UDP over IPv4 or IPv6", message);
                }
            }
        }
        assertEquals("standard input is not a socket; run under a super-server (systemd socket activation, xinetd, inetd,"
                        + " systemd-socket-activate --inetd)",
                assertThrows(EchoServerCommand.InheritedSocketRefused.class, () -> startInherited(null)).getMessage());
    }

    /**
     * How a connection's end is logged: an expected cause (the peer's EOF) one debug line
     * without detail; an unexpected one (writing to a socket whose output was shut behind the
     * server's back) one error line with the exception.
     */
    @Test
    void anExpectedCloseIsOneDebugLineAnUnexpectedOneAnError() throws Exception {
        try (CapturedLog log = new CapturedLog(Level.FINE, Connection.class);
             ServerSocketChannel acceptor = ServerSocketChannel.open().bind(LOOPBACK)) {
            try (SocketChannel client = Peers.connect((InetSocketAddress) acceptor.getLocalAddress())) {
                SocketChannel handedOver = acceptor.accept();
                String remote = Addresses.format((InetSocketAddress) handedOver.getRemoteAddress());
                try (EchoServer server = EchoServer.serveInherited(ServerConfig.builder().build(), handedOver, null)) {
                    Peers.echo(client, new byte[] {1, 2, 3});
                    assertTrue(server.awaitTermination(Duration.ofSeconds(10)));
                }
                assertEquals(List.of("FINE connection " + remote + " closed: eof"), log.messages());
            }
            try (SocketChannel client = Peers.connect((InetSocketAddress) acceptor.getLocalAddress())) {
                SocketChannel handedOver = acceptor.accept();
                String remote = Addresses.format((InetSocketAddress) handedOver.getRemoteAddress());
                handedOver.shutdownOutput(); // the JDK now refuses every write with ClosedChannelException
                try (EchoServer server = EchoServer.serveInherited(ServerConfig.builder().build(), handedOver, null)) {
                    Peers.writeFully(client, new byte[] {1, 2, 3});
                    assertTrue(server.awaitTermination(Duration.ofSeconds(10)));
                }
                List<LogRecord> errors = log.records().stream().filter(r -> r.getLevel() == Level.SEVERE).toList();
                assertEquals(1, errors.size(), log.messages().toString());
                assertEquals("connection " + remote + " closed: error", errors.get(0).getMessage());
                assertInstanceOf(ClosedChannelException.class, errors.get(0).getThrown());
            }
        }
    }

    /** Epoll instances this process has open: one per open selector (and none for anything else here). */
    static long epollInstances() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(InheritedInProcessTest::isEpoll).count();
        }
    }

    private static boolean isEpoll(Path fd) {
        try {
            return Files.readSymbolicLink(fd).toString().contains("eventpoll");
        } catch (IOException e) {
            return false; // closed since the listing (the listing's own descriptor, for one): not an open selector
        }
    }
}
