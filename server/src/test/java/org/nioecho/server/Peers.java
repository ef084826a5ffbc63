package org.nioecho.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Test peers: real blocking sockets on loopback and the kernel's view of them. */
final class Peers {
    private Peers() {
    }

    static SocketChannel connect(InetSocketAddress address) throws IOException {
        SocketChannel channel = SocketChannel.open(address);
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        return channel;
    }

    static byte[] randomBytes(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    static void writeFully(SocketChannel channel, byte[] bytes) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    /** Reads exactly {@code size} bytes (blocking channel). */
    static byte[] readExactly(SocketChannel channel, int size) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(size);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                throw new IOException("EOF after " + buffer.position() + " of " + size + " bytes");
            }
        }
        return buffer.array();
    }

    /** Reads until EOF (blocking channel). */
    static byte[] readToEof(SocketChannel channel) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        while (channel.read(buffer) >= 0) {
            all.write(buffer.array(), 0, buffer.position());
            buffer.clear();
        }
        return all.toByteArray();
    }

    /** Sends {@code payload} while reading the echo on another thread; returns what came back before EOF. */
    static byte[] echo(InetSocketAddress address, byte[] payload) throws Exception {
        try (SocketChannel channel = connect(address)) {
            CompletableFuture<byte[]> echoed = CompletableFuture.supplyAsync(() -> {
                try {
                    return readToEof(channel);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
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
    }

    /** The server-side sockets of {@code port} (local port is the server's), LISTEN excluded. */
    static List<TcpTable.Entry> serverSide(int port) throws IOException {
        return TcpTable.read().stream()
                .filter(e -> e.local().getPort() == port && e.state() != TcpState.LISTEN).toList();
    }

    static List<TcpState> serverSideStates(int port) throws IOException {
        return serverSide(port).stream().map(TcpTable.Entry::state).toList();
    }

    /** Descriptors this process has open. */
    static long openDescriptors() throws IOException {
        try (var fds = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }
}
