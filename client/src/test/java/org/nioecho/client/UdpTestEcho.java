package org.nioecho.client;

import org.nioecho.kernel.UdpTable;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A UDP echo for tests: a real {@link DatagramChannel} on 127.0.0.1 served by one thread,
 * returning each datagram to its sender. Built with faults it misbehaves on purpose, counting
 * datagrams from 1 in the order they arrive: it drops every {@code dropEvery}-th, sends the
 * {@code duplicateAt}-th twice, holds the {@code swapAt}-th back until the next one has been
 * sent, and inverts byte {@code flipOffset} of the {@code flipAt}-th.
 */
public final class UdpTestEcho implements AutoCloseable {
    private final DatagramChannel channel;
    private final Thread thread;
    private final AtomicLong received = new AtomicLong();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final long dropEvery;
    private final long duplicateAt;
    private final long swapAt;
    private final long flipAt;
    private final int flipOffset;

    private UdpTestEcho(long dropEvery, long duplicateAt, long swapAt, long flipAt, int flipOffset) throws IOException {
        this.dropEvery = dropEvery;
        this.duplicateAt = duplicateAt;
        this.swapAt = swapAt;
        this.flipAt = flipAt;
        this.flipOffset = flipOffset;
        this.channel = DatagramChannel.open();
        // A burst (the client's thread descheduled, then catching up) must not overflow the
        // default 208 KiB receive buffer: ask for 4 MiB (the kernel caps it at net.core.rmem_max).
        channel.setOption(StandardSocketOptions.SO_RCVBUF, 4 * 1024 * 1024);
        channel.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        this.thread = new Thread(this::serve, "udp-test-echo");
        thread.setDaemon(true);
        thread.start();
    }

    /** A correct echo. */
    public static UdpTestEcho correct() throws IOException {
        return new UdpTestEcho(0, 0, 0, 0, 0);
    }

    /** A misbehaving echo; 0 turns a fault off. */
    public static UdpTestEcho misbehaving(long dropEvery, long duplicateAt, long swapAt, long flipAt, int flipOffset)
            throws IOException {
        return new UdpTestEcho(dropEvery, duplicateAt, swapAt, flipAt, flipOffset);
    }

    public InetSocketAddress address() throws IOException {
        return (InetSocketAddress) channel.getLocalAddress();
    }

    /** What the kernel lists for the echo's socket (its drops, if a burst overflowed it), for failure messages. */
    public String kernelView() throws IOException {
        return UdpTable.onPort(address().getPort()).toString();
    }

    /** Datagrams received so far. */
    public long received() {
        return received.get();
    }

    private void serve() {
        ByteBuffer buffer = ByteBuffer.allocate(65_536);
        ByteBuffer held = null;
        SocketAddress heldFor = null;
        try {
            while (true) {
                buffer.clear();
                SocketAddress sender = channel.receive(buffer);
                buffer.flip();
                long n = received.incrementAndGet();
                if (dropEvery > 0 && n % dropEvery == 0) {
                    continue;
                }
                if (n == flipAt && buffer.limit() > flipOffset) {
                    buffer.put(flipOffset, (byte) ~buffer.get(flipOffset));
                }
                if (n == swapAt) {
                    held = ByteBuffer.allocate(buffer.remaining()).put(buffer).flip();
                    heldFor = sender;
                    continue;
                }
                channel.send(buffer.duplicate(), sender);
                if (n == duplicateAt) {
                    channel.send(buffer.duplicate(), sender);
                }
                if (held != null) {
                    channel.send(held, heldFor);
                    held = null;
                }
            }
        } catch (ClosedChannelException e) {
            // closed by close(): the end
        } catch (IOException e) {
            failure.set(e);
        }
    }

    /** Stops the echo; rethrows what failed while it served (nothing is swallowed). */
    @Override
    public void close() throws Exception {
        channel.close();
        thread.join(5_000);
        if (failure.get() != null) {
            throw new AssertionError("the UDP test echo failed", failure.get());
        }
    }
}
