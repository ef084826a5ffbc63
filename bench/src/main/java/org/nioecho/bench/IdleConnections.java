package org.nioecho.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Holds idle connections to a server from the harness itself, for the idle-capacity cell:
 * opens them (a bounded number of connects in flight), proves each is served by one echoed
 * byte, then keeps them open and silent until {@link #close()}.
 *
 * <pre>{@code
 * try (IdleConnections idle = IdleConnections.open(address, 10_000, Duration.ofSeconds(60))) {
 *     long rss = ProcessTree.sample(pid).rssBytes();
 * }
 * }</pre>
 */
final class IdleConnections implements AutoCloseable {
    private static final int CONNECTS_IN_FLIGHT = 128;
    private static final byte PROBE = 'x';

    private final List<SocketChannel> held = new ArrayList<>();
    private final Map<String, Integer> failures = new TreeMap<>();

    private IdleConnections() {
    }

    /** Opens and verifies up to {@code count} connections within {@code timeout}; failures are counted, not thrown. */
    static IdleConnections open(InetSocketAddress server, int count, Duration timeout) throws IOException {
        Objects.requireNonNull(server, "server");
        IdleConnections idle = new IdleConnections();
        try (Selector selector = Selector.open()) {
            idle.connectAll(selector, server, count, System.nanoTime() + timeout.toNanos());
        } catch (IOException | RuntimeException e) {
            idle.close();
            throw e;
        }
        return idle;
    }

    private void connectAll(Selector selector, InetSocketAddress server, int count, long deadlineNanos) throws IOException {
        int started = 0;
        int pending = 0;
        ByteBuffer probe = ByteBuffer.allocate(1);
        while ((started < count || pending > 0) && System.nanoTime() < deadlineNanos) {
            while (started < count && pending < CONNECTS_IN_FLIGHT) {
                SocketChannel channel = SocketChannel.open();
                channel.configureBlocking(false);
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                started++;
                pending++;
                try {
                    if (channel.connect(server)) {
                        sendProbe(channel, selector);
                    } else {
                        channel.register(selector, SelectionKey.OP_CONNECT);
                    }
                } catch (IOException e) {
                    pending--;
                    fail(channel, e);
                }
            }
            selector.select(100);
            for (SelectionKey key : selector.selectedKeys()) {
                SocketChannel channel = (SocketChannel) key.channel();
                try {
                    if (key.isConnectable()) {
                        channel.finishConnect();
                        sendProbe(channel, selector);
                    } else if (key.isReadable()) {
                        probe.clear();
                        int read = channel.read(probe);
                        if (read < 0) {
                            throw new IOException("closed by the server before echoing");
                        }
                        if (read == 1) {
                            if (probe.get(0) != PROBE) {
                                throw new IOException("echoed a wrong byte");
                            }
                            key.cancel();
                            held.add(channel);
                            pending--;
                        }
                    }
                } catch (IOException e) {
                    key.cancel();
                    pending--;
                    fail(channel, e);
                }
            }
            selector.selectedKeys().clear();
        }
        if (pending > 0 || started < count) {
            failures.merge("timed.out", pending + (count - started), Integer::sum);
            for (SelectionKey key : selector.keys()) {
                key.channel().close();
            }
        }
    }

    private static void sendProbe(SocketChannel channel, Selector selector) throws IOException {
        if (channel.write(ByteBuffer.wrap(new byte[] {PROBE})) != 1) {
            throw new IOException("could not send the probe byte");
        }
        SelectionKey key = channel.keyFor(selector);
        if (key != null) {
            key.interestOps(SelectionKey.OP_READ);
        } else {
            channel.register(selector, SelectionKey.OP_READ);
        }
    }

    private void fail(SocketChannel channel, IOException e) {
        failures.merge(cause(e), 1, Integer::sum);
        try {
            channel.close();
        } catch (IOException closing) {
            failures.merge("close", 1, Integer::sum);
        }
    }

    /** A short cause for a failed connection, from the exception's kind and (loosely) its message. */
    static String cause(IOException e) {
        String message = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
        if (e instanceof java.net.ConnectException || message.contains("refused")) {
            return "refused";
        }
        if (message.contains("reset")) {
            return "reset";
        }
        if (message.contains("timed out")) {
            return "timed.out";
        }
        return message.contains("closed by the server") ? "eof" : "other";
    }

    /** Connections open and verified. */
    int held() {
        return held.size();
    }

    /** Failed connections by cause. */
    Map<String, Integer> failures() {
        return Map.copyOf(failures);
    }

    int failed() {
        return failures.values().stream().mapToInt(Integer::intValue).sum();
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (SocketChannel channel : held) {
            try {
                channel.close();
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        held.clear();
        if (first != null) {
            throw first;
        }
    }
}
