package org.nioecho.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A broken echo server for tests: echoes every byte, except that the byte at stream offset
 * {@code flipAt} of every connection comes back with its bits inverted (or, built with
 * {@link #dropping} or {@link #adding}, is not echoed, or is followed by one byte more).
 * Blocking sockets, one thread per connection, on loopback; records the remote address of
 * every connection it accepts.
 */
public final class FlippingEchoServer implements AutoCloseable {
    /** What happens to the byte at the fault offset. */
    enum Fault { FLIP, DROP, ADD }

    private final ServerSocket listener;
    private final long flipAt;
    private final Fault fault;
    private final List<Socket> sockets = new ArrayList<>();
    private final List<InetSocketAddress> remotes = new ArrayList<>();
    private final Thread acceptor;
    private final AtomicInteger endedByError = new AtomicInteger();

    public FlippingEchoServer(long flipAt) throws IOException {
        this(flipAt, Fault.FLIP);
    }

    private FlippingEchoServer(long flipAt, Fault fault) throws IOException {
        this.flipAt = flipAt;
        this.fault = fault;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::acceptLoop, "flipping-acceptor");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** A server that does not echo the byte at offset {@code dropAt} of each connection. */
    public static FlippingEchoServer dropping(long dropAt) throws IOException {
        return new FlippingEchoServer(dropAt, Fault.DROP);
    }

    /** A server that echoes one byte more (0x55) right after the byte at offset {@code addAfter}. */
    public static FlippingEchoServer adding(long addAfter) throws IOException {
        return new FlippingEchoServer(addAfter, Fault.ADD);
    }

    /** The remote (client) addresses of the connections accepted so far. */
    public List<InetSocketAddress> remoteAddresses() {
        synchronized (sockets) {
            return List.copyOf(remotes);
        }
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) listener.getLocalSocketAddress();
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            Socket socket;
            try {
                socket = listener.accept();
            } catch (IOException e) {
                return; // closed by close()
            }
            synchronized (sockets) {
                sockets.add(socket);
                remotes.add((InetSocketAddress) socket.getRemoteSocketAddress());
            }
            Thread echo = new Thread(() -> echo(socket), "flipping-echo");
            echo.setDaemon(true);
            echo.start();
        }
    }

    private void echo(Socket socket) {
        byte[] buffer = new byte[16 * 1024 + 1];
        long offset = 0;
        try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
            for (int n; (n = in.read(buffer, 0, buffer.length - 1)) >= 0; offset += n) {
                int length = n;
                if (flipAt >= offset && flipAt < offset + n) {
                    int i = (int) (flipAt - offset);
                    switch (fault) {
                        case FLIP -> buffer[i] = (byte) ~buffer[i];
                        case DROP -> {
                            System.arraycopy(buffer, i + 1, buffer, i, n - i - 1);
                            length--;
                        }
                        case ADD -> {
                            System.arraycopy(buffer, i + 1, buffer, i + 2, n - i - 1);
                            buffer[i + 1] = 0x55;
                            length++;
                        }
                    }
                }
                out.write(buffer, 0, length); // one write: the added byte arrives with its message
            }
        } catch (IOException e) {
            // the load generator reset the connection (it may close hard at the end): stop echoing it
            endedByError.incrementAndGet();
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        synchronized (sockets) {
            for (Socket s : sockets) {
                s.close();
            }
        }
    }
}
