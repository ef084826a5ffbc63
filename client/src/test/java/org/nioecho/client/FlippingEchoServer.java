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
 * {@code flipAt} of every connection comes back with its bits inverted. Blocking sockets,
 * one thread per connection, on loopback.
 */
public final class FlippingEchoServer implements AutoCloseable {
    private final ServerSocket listener;
    private final long flipAt;
    private final List<Socket> sockets = new ArrayList<>();
    private final Thread acceptor;
    private final AtomicInteger endedByError = new AtomicInteger();

    public FlippingEchoServer(long flipAt) throws IOException {
        this.flipAt = flipAt;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::acceptLoop, "flipping-acceptor");
        acceptor.setDaemon(true);
        acceptor.start();
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
            }
            Thread echo = new Thread(() -> echo(socket), "flipping-echo");
            echo.setDaemon(true);
            echo.start();
        }
    }

    private void echo(Socket socket) {
        byte[] buffer = new byte[16 * 1024];
        long offset = 0;
        try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
            for (int n; (n = in.read(buffer)) >= 0; offset += n) {
                if (flipAt >= offset && flipAt < offset + n) {
                    int i = (int) (flipAt - offset);
                    buffer[i] = (byte) ~buffer[i];
                }
                out.write(buffer, 0, n);
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
