package org.nioecho.server;

import org.nioecho.kernel.TcpState;
import org.nioecho.kernel.TcpTable;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Collection;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Test peers: real blocking sockets on loopback and the kernel's view of them. */
public final class Peers {
    private Peers() {
    }

    public static SocketChannel connect(InetSocketAddress address) throws IOException {
        SocketChannel channel = SocketChannel.open(address);
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        return channel;
    }

    public static byte[] randomBytes(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    public static void writeFully(SocketChannel channel, byte[] bytes) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    /** Reads exactly {@code size} bytes (blocking channel). */
    public static byte[] readExactly(SocketChannel channel, int size) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(size);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                throw new IOException("EOF after " + buffer.position() + " of " + size + " bytes");
            }
        }
        return buffer.array();
    }

    /** Reads until EOF (blocking channel). */
    public static byte[] readToEof(SocketChannel channel) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        while (channel.read(buffer) >= 0) {
            all.write(buffer.array(), 0, buffer.position());
            buffer.clear();
        }
        return all.toByteArray();
    }

    /** Sends {@code payload} while reading the echo on another thread; returns what came back before EOF. */
    public static byte[] echo(InetSocketAddress address, byte[] payload) throws Exception {
        try (SocketChannel channel = connect(address)) {
            return echo(channel, payload);
        }
    }

    /** {@link #echo(InetSocketAddress, byte[])} on a connected channel, which it leaves open. */
    public static byte[] echo(SocketChannel channel, byte[] payload) throws Exception {
        CompletableFuture<byte[]> echoed = CompletableFuture.supplyAsync(() -> {
            try {
                return readToEof(channel);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }, Peers::startReader);
        Random random = new Random(payload.length);
        int offset = 0;
        while (offset < payload.length) {
            int chunk = Math.min(payload.length - offset, 1 + random.nextInt(256 * 1024));
            ByteBuffer buffer = ByteBuffer.wrap(payload, offset, chunk);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            offset += chunk;
        }
        channel.shutdownOutput();
        return echoed.get(60, TimeUnit.SECONDS);
    }

    /** A thread of its own for each reader: the common pool may have a single blocking thread. */
    private static void startReader(Runnable reader) {
        Thread thread = new Thread(reader, "echo-reader");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * The states of the server's sockets for these clients: local port the server's, remote
     * port one of {@code clientPorts}. Naming the clients keeps out TIME_WAIT leftovers of
     * earlier tests whose ephemeral port happens to equal this server's port.
     */
    public static List<TcpState> serverSideStates(int port, Collection<Integer> clientPorts) throws IOException {
        return TcpTable.read().stream()
                .filter(e -> e.local().getPort() == port && clientPorts.contains(e.remote().getPort()))
                .map(TcpTable.Entry::state).toList();
    }

    public static List<TcpState> serverSideStates(int port, int clientPort) throws IOException {
        return serverSideStates(port, List.of(clientPort));
    }

    public static int localPort(SocketChannel channel) throws IOException {
        return ((InetSocketAddress) channel.getLocalAddress()).getPort();
    }

    /** Descriptors this process has open. */
    public static long openDescriptors() throws IOException {
        try (var fds = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }
}
