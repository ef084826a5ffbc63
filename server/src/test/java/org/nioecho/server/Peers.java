package org.nioecho.server;

import org.nioecho.kernel.TcpState;
import org.nioecho.kernel.TcpTable;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Test peers: real blocking sockets on loopback and the kernel's view of them. */
public final class Peers {
    private Peers() {
    }

    /** Bound on every blocking read of a test peer (SO_TIMEOUT on the channel's socket). */
    public static final int READ_TIMEOUT_MS = 30_000;
    /** Bound on a whole {@link #echo} exchange: past it the channel is closed, which ends both sides. */
    public static final Duration ECHO_TIMEOUT = Duration.ofSeconds(60);

    /** A blocking peer whose reads ({@link #read}, {@link #readExactly}, {@link #readToEof}) time out. */
    public static SocketChannel connect(InetSocketAddress address) throws IOException {
        SocketChannel channel = SocketChannel.open(address);
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        return bounded(channel);
    }

    /**
     * A non-blocking peer that sends and does not read, with the smallest receive window the
     * kernel allows and a small send buffer (else its first write alone hands the kernel
     * megabytes): the server soon owes it bytes.
     */
    public static SocketChannel nonReader(InetSocketAddress address) throws IOException {
        SocketChannel peer = SocketChannel.open();
        peer.setOption(StandardSocketOptions.SO_RCVBUF, 1024);
        peer.setOption(StandardSocketOptions.SO_SNDBUF, 8192);
        peer.connect(address);
        peer.configureBlocking(false);
        return peer;
    }

    /** Sets the read timeout of {@code channel}'s blocking reads done through this class. */
    public static SocketChannel bounded(SocketChannel channel) throws IOException {
        channel.socket().setSoTimeout(READ_TIMEOUT_MS);
        return channel;
    }

    /**
     * One blocking read into {@code bytes}, bounded by SO_TIMEOUT: a channel's own
     * {@code read} ignores SO_TIMEOUT, its socket's stream honours it.
     *
     * @return bytes read, or -1 at EOF
     * @throws java.net.SocketTimeoutException if nothing arrives within the timeout
     */
    public static int read(SocketChannel channel, byte[] bytes) throws IOException {
        return channel.socket().getInputStream().read(bytes);
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

    /** Reads exactly {@code size} bytes (blocking channel; each read bounded by SO_TIMEOUT). */
    public static byte[] readExactly(SocketChannel channel, int size) throws IOException {
        byte[] bytes = channel.socket().getInputStream().readNBytes(size);
        if (bytes.length < size) {
            throw new IOException("EOF after " + bytes.length + " of " + size + " bytes");
        }
        return bytes;
    }

    /** Reads until EOF (blocking channel; each read bounded by SO_TIMEOUT). */
    public static byte[] readToEof(SocketChannel channel) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buffer = new byte[64 * 1024];
        for (int n; (n = read(channel, buffer)) >= 0; ) {
            all.write(buffer, 0, n);
        }
        return all.toByteArray();
    }

    /** Sends {@code payload} while reading the echo on another thread; returns what came back before EOF. */
    public static byte[] echo(InetSocketAddress address, byte[] payload) throws Exception {
        try (SocketChannel channel = connect(address)) {
            return echo(channel, payload);
        }
    }

    /**
     * {@link #echo(InetSocketAddress, byte[])} on a connected channel, which it leaves open.
     * Writes, which SO_TIMEOUT does not bound, run on their own thread too: past
     * {@link #ECHO_TIMEOUT} the channel is closed, which ends a stuck write or read.
     */
    public static byte[] echo(SocketChannel channel, byte[] payload) throws Exception {
        bounded(channel);
        CompletableFuture<byte[]> echoed = CompletableFuture.supplyAsync(() -> {
            try {
                return readToEof(channel);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }, Peers::startReader);
        CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
            try {
                writeInRandomChunks(channel, payload);
                channel.shutdownOutput();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }, Peers::startReader);
        try {
            CompletableFuture.allOf(echoed, sent).get(ECHO_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            channel.close();
            throw new AssertionError("echo of " + payload.length + " bytes not done within " + ECHO_TIMEOUT);
        }
        return echoed.get();
    }

    private static void writeInRandomChunks(SocketChannel channel, byte[] payload) throws IOException {
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
    }

    /** A thread of its own for each reader and writer: the common pool may have a single blocking thread. */
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
