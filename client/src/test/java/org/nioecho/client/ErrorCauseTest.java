package org.nioecho.client;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Classification of the errors real loopback sockets raise. */
class ErrorCauseTest {
    @Test
    void connectingToAClosedPortIsRefused() throws IOException {
        int port;
        try (ServerSocket unused = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = unused.getLocalPort();
        }
        ConnectException e = assertThrows(ConnectException.class, () -> new Socket(InetAddress.getLoopbackAddress(), port).close());
        assertEquals(ErrorCause.REFUSED, ErrorCause.of(e));
        assertEquals("ECONNREFUSED", ErrorCause.errnoOf(e));
    }

    /** UDP: a datagram to a port nobody has bound draws ICMP port unreachable; the next read reports it. */
    @Test
    void aDatagramToAClosedPortIsRefused() throws IOException {
        int port;
        try (DatagramChannel unused = DatagramChannel.open()) {
            unused.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            port = ((InetSocketAddress) unused.getLocalAddress()).getPort();
        }
        try (DatagramChannel client = DatagramChannel.open()) {
            client.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            client.write(ByteBuffer.wrap(new byte[] {1}));
            PortUnreachableException e = assertThrows(PortUnreachableException.class,
                    () -> client.read(ByteBuffer.allocate(16)));
            assertEquals(ErrorCause.REFUSED, ErrorCause.of(e));
            assertEquals("ECONNREFUSED", ErrorCause.errnoOf(e));
        }
    }

    @Test
    void readAfterThePeersResetIsResetAndTheSecondWriteIsBrokenPipe() throws IOException {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket client = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort())) {
            try (Socket accepted = listener.accept()) {
                accepted.setSoLinger(true, 0); // close with RST
            }
            InputStream in = client.getInputStream();
            SocketException reset = assertThrows(SocketException.class, in::read);
            assertEquals(ErrorCause.RESET, ErrorCause.of(reset));

            OutputStream out = client.getOutputStream();
            IOException broken = assertThrows(IOException.class, () -> {
                out.write(1);
                out.write(1);
            });
            assertEquals(ErrorCause.BROKEN_PIPE, ErrorCause.of(broken), broken.getMessage());
            assertEquals("EPIPE", ErrorCause.errnoOf(broken));
        }
    }

    @Test
    void unknownMessagesAreOther() {
        assertEquals(ErrorCause.OTHER, ErrorCause.of(new IOException("something else")));
        assertEquals(ErrorCause.UNREACHABLE, ErrorCause.of(new IOException("Network is unreachable")));
        assertEquals("ENETUNREACH", ErrorCause.errnoOf(new IOException("Network is unreachable")));
        assertEquals(ErrorCause.TIMED_OUT, ErrorCause.of(new IOException("Connection timed out")));
    }
}
