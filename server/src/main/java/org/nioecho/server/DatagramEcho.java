package org.nioecho.server;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;

/**
 * UDP echo (RFC 862) on one bound {@link DatagramChannel}: each datagram goes back unchanged
 * to its sender, unless the filter drops it. Any bound channel will do: one the server bound
 * next to a TCP listener, or one inherited from a super-server.
 *
 * <p>Per ready event it receives at most {@link #DATAGRAMS_PER_TURN} datagrams (fairness),
 * each into its one direct buffer, which holds the largest UDP payload. Filter, in this
 * order: source port 0 or 7, 9, 13, 19, 37 ({@code abuse.port}); one of the server's own
 * endpoints ({@code own.address}); over {@code --udp-rate} ({@code rate}). A reply the socket
 * will not take (send buffer full) is dropped and counted ({@code send.buffer.full}): nothing
 * is ever queued, there is no write interest. Counts go to {@link ServerMetrics}; the path
 * allocates nothing of its own (the JDK's {@code receive} returns an address object, cached
 * while the sender repeats: docs/udp.md).
 */
final class DatagramEcho implements ChannelHandler {
    private static final System.Logger LOG = System.getLogger(DatagramEcho.class.getName());
    /** Datagrams handled per ready event at most, so that TCP connections get their turn. */
    static final int DATAGRAMS_PER_TURN = 64;
    /** Holds any UDP payload: 65,507 bytes over IPv4, 65,527 over IPv6. */
    static final int BUFFER_BYTES = 65_536;

    private final DatagramChannel channel;
    private final ServerMetrics metrics;
    private final OwnEndpoints own;
    private final SourceRateLimit rateLimit; // null: no limit
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES);
    private final String name;
    private SelectionKey key;
    private long failedReceives; // in a row: only the first of a run is logged
    private boolean warnedFamily;

    DatagramEcho(DatagramChannel channel, ServerMetrics metrics, OwnEndpoints own, SourceRateLimit rateLimit)
            throws IOException {
        this.channel = channel;
        this.metrics = metrics;
        this.own = own;
        this.rateLimit = rateLimit;
        InetSocketAddress local = (InetSocketAddress) channel.getLocalAddress();
        if (local == null) {
            throw new IllegalArgumentException("the datagram channel is not bound");
        }
        this.name = "udp " + Addresses.format(local);
        own.add(local);
    }

    void register(Selector selector) throws IOException {
        channel.configureBlocking(false);
        key = channel.register(selector, SelectionKey.OP_READ, this);
    }

    /** True if a datagram from a source on {@code port} is never answered (the classic inetd list, and 0). */
    static boolean abusePort(int port) {
        return port == 0 || port == 7 || port == 9 || port == 13 || port == 19 || port == 37;
    }

    @Override
    public void ready(SelectionKey readyKey) {
        for (int i = 0; i < DATAGRAMS_PER_TURN; i++) {
            buffer.clear();
            SocketAddress source;
            try {
                source = channel.receive(buffer);
            } catch (ClosedChannelException e) {
                close(CloseCause.SHUTDOWN);
                return;
            } catch (IOException e) {
                metrics.countDatagramDrop(DatagramDrop.ERROR);
                if (failedReceives++ == 0) {
                    LOG.log(Level.ERROR, name + ": receive failed (repeats are counted, not logged)", e);
                }
                return; // the key stays ready if the socket does: next turn tries again
            }
            if (source == null) {
                return;
            }
            if (failedReceives > 0) {
                LOG.log(Level.INFO, name + ": receiving again after " + failedReceives + " failed receives");
                failedReceives = 0;
            }
            buffer.flip();
            metrics.datagramsReceived++;
            metrics.datagramBytesReceived += buffer.remaining();
            echo((InetSocketAddress) source);
        }
    }

    private void echo(InetSocketAddress source) {
        DatagramDrop drop = filter(source);
        if (drop != null) {
            metrics.countDatagramDrop(drop);
            return;
        }
        int bytes = buffer.remaining();
        try {
            // 0 for a non-empty datagram: the send buffer is full. An empty datagram sends 0 bytes either way.
            if (channel.send(buffer, source) == 0 && bytes > 0) {
                metrics.countDatagramDrop(DatagramDrop.SEND_BUFFER_FULL);
                return;
            }
        } catch (IOException e) {
            metrics.countDatagramDrop(DatagramDrop.ERROR);
            if (!warnedFamily && String.valueOf(e.getMessage()).contains("Address family not supported")) {
                warnedFamily = true; // once: e.g. JDK 25 cannot send on an inherited IPv4 socket (docs/udp.md)
                LOG.log(Level.WARNING, name + ": replies fail with '" + e.getMessage() + "' (an inherited IPv4"
                        + " socket on a JDK that takes it for IPv6?); run with -Djava.net.preferIPv4Stack=true or"
                        + " inherit an IPv6 socket");
            }
            if (LOG.isLoggable(Level.DEBUG)) {
                LOG.log(Level.DEBUG, name + ": reply to " + Addresses.format(source) + " not sent: " + e.getMessage());
            }
            return;
        }
        metrics.datagramsSent++;
        metrics.datagramBytesSent += bytes;
    }

    private DatagramDrop filter(InetSocketAddress source) {
        if (abusePort(source.getPort())) {
            return DatagramDrop.ABUSE_PORT;
        }
        if (own.isOwn(source)) {
            return DatagramDrop.OWN_ADDRESS;
        }
        if (rateLimit != null && !rateLimit.allow(source.getAddress(), System.nanoTime())) {
            return DatagramDrop.RATE;
        }
        return null;
    }

    @Override
    public void close(CloseCause cause) {
        if (key != null) {
            key.cancel();
        }
        try {
            channel.close();
        } catch (IOException e) {
            LOG.log(Level.ERROR, name + ": closing the datagram socket failed", e);
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
