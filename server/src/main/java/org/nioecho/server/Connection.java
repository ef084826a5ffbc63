package org.nioecho.server;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;

/**
 * One peer's echo: reads into the reactor's shared buffer and writes the bytes straight
 * back; only what the socket did not take is kept, in an output buffer borrowed for as long
 * as bytes are owed (an idle connection holds none) and sized to what is owed (a
 * {@link BufferPool} size class, grown up to the high-water mark).
 *
 * <p>Backpressure: a connection owing {@code highWaterBytes} is not read until it owes at
 * most {@code lowWaterBytes}, and a read never takes more than the output buffer can still
 * hold, so a peer that never reads costs at most the high-water mark. One read per ready
 * event keeps connections fair. Global backpressure: a read never takes more than the
 * output budget could still hold; a connection that would need more memory than the budget
 * has left is not read until the reactor wakes it as memory frees. A peer that takes none
 * of the owed bytes for the write timeout is closed ({@code write.timeout}).
 *
 * <p>End of input (the peer's FIN): everything owed is sent, then the socket is closed,
 * so it never lingers in CLOSE_WAIT. Shutdown: stop echoing, send what is owed, send FIN,
 * drop further input until the peer's FIN (a lingering close, so no RST), then close.
 */
final class Connection implements ChannelHandler {
    private static final System.Logger LOG = System.getLogger(Connection.class.getName());
    private final Reactor reactor;
    private final ServerMetrics metrics;
    private final SocketChannel channel;
    private final String remote; // as people write it, e.g. 127.0.0.1:50338 or [::1]:50338
    private final int lowWaterBytes;
    private final int highWaterBytes;
    private SelectionKey key;
    private int interestOps;
    private ByteBuffer owed; // null while nothing is owed; otherwise in fill mode
    private boolean readPaused;
    private boolean budgetPaused;
    private int budgetNeedBytes;
    private long lastWriteProgressNanos;
    private boolean peerClosed;
    private boolean shuttingDown;
    private boolean lingering;
    private boolean closed;
    private long lastInputNanos;

    Connection(Reactor reactor, SocketChannel channel) throws IOException {
        this.reactor = reactor;
        this.metrics = reactor.metrics();
        this.channel = channel;
        this.lowWaterBytes = reactor.config().lowWaterBytes();
        this.highWaterBytes = reactor.config().highWaterBytes();
        channel.configureBlocking(false);
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        this.remote = Addresses.format((InetSocketAddress) channel.getRemoteAddress());
        this.lastInputNanos = System.nanoTime();
    }

    void register(Selector selector) throws IOException {
        interestOps = SelectionKey.OP_READ;
        key = channel.register(selector, interestOps, this);
    }

    @Override
    public void ready(SelectionKey readyKey) {
        int ready = readyKey.readyOps();
        if ((ready & SelectionKey.OP_WRITE) != 0 && owed != null && !flush()) {
            return;
        }
        if ((ready & SelectionKey.OP_READ) != 0 && (interestOps & SelectionKey.OP_READ) != 0) {
            if (lingering) {
                discardInput();
            } else {
                readAndEcho();
            }
        }
    }

    private void readAndEcho() {
        ByteBuffer buffer = reactor.readBuffer();
        int room = readLimit(buffer.capacity());
        if (room == 0) {
            pauseForBudget();
            return;
        }
        buffer.clear();
        if (room < buffer.capacity()) {
            buffer.limit(room);
        }
        int read;
        try {
            read = channel.read(buffer);
        } catch (IOException e) {
            fail(e);
            return;
        }
        if (read < 0) {
            peerClosed = true;
            endInput();
            return;
        }
        if (read == 0) {
            return;
        }
        metrics.bytesReceived += read;
        lastInputNanos = reactor.nowNanos();
        buffer.flip();
        if (owed == null) {
            if (!write(buffer) || !buffer.hasRemaining()) {
                return;
            }
            if (!takeOutputBuffer(reactor.outputBuffers().classFor(buffer.remaining()))) {
                return;
            }
            lastWriteProgressNanos = reactor.nowNanos(); // owing starts: the write timeout runs from here
            metrics.queuedBytes += buffer.remaining();
            owed.put(buffer);
            applyBackpressure();
        } else {
            if (read > owed.remaining() && !growOutputBuffer(owed.position() + read)) {
                return;
            }
            metrics.queuedBytes += read;
            owed.put(buffer);
            flush();
        }
    }

    /**
     * The most this read may take: what the output buffer could hold if the socket took
     * none of it, within the high-water mark and what the budget has left; 0 when the
     * budget cannot cover even the next size class.
     */
    private int readLimit(int readBufferBytes) {
        BufferPool pool = reactor.outputBuffers();
        int affordable = pool.largestClassAtMost(pool.availableBytes());
        if (owed == null) {
            budgetNeedBytes = pool.smallestClassBytes();
            return Math.min(readBufferBytes, affordable);
        }
        budgetNeedBytes = pool.nextClass(owed.capacity());
        int capacity = Math.max(owed.capacity(), affordable); // growing allocates before it frees
        return Math.min(readBufferBytes, Math.min(capacity, highWaterBytes) - owed.position());
    }

    /** The budget cannot cover what a read might need: stop reading until the reactor wakes us. */
    private void pauseForBudget() {
        if (!budgetPaused) {
            budgetPaused = true;
            metrics.budgetPauses++;
            updateInterest();
            reactor.pausedForBudget(this);
        }
    }

    /** The bytes of budget this connection waits for (valid while paused for the budget). */
    int budgetNeedBytes() {
        return budgetNeedBytes;
    }

    /** Memory freed: read again (and pause again if someone else took it first). */
    void resumeAfterBudget() {
        if (budgetPaused && !closed) {
            budgetPaused = false;
            updateInterest();
        }
    }

    boolean isClosed() {
        return closed;
    }

    /** Takes an output buffer of {@code size}; false (and closed) if direct memory ran out all the same. */
    private boolean takeOutputBuffer(int size) {
        try {
            owed = reactor.outputBuffers().acquire(size);
            return true;
        } catch (OutOfMemoryError e) {
            outOfDirectMemory(size, e);
            return false;
        }
    }

    /** Moves what is owed into a buffer of the size class for {@code bytes}; false (and closed) on failure. */
    private boolean growOutputBuffer(int bytes) {
        BufferPool pool = reactor.outputBuffers();
        ByteBuffer larger;
        try {
            larger = pool.acquire(pool.classFor(bytes));
        } catch (OutOfMemoryError e) {
            outOfDirectMemory(pool.classFor(bytes), e);
            return false;
        }
        owed.flip();
        larger.put(owed);
        pool.release(owed);
        owed = larger;
        return true;
    }

    /** Only this connection is lost: the reactor and every other peer carry on. */
    private void outOfDirectMemory(int size, OutOfMemoryError e) {
        close(CloseCause.ERROR, e, "cannot allocate a " + size + "-byte output buffer: " + e.getMessage());
    }

    /** Writes what it can of {@code buffer}; false if the connection closed. */
    private boolean write(ByteBuffer buffer) {
        try {
            metrics.bytesSent += channel.write(buffer);
            return true;
        } catch (IOException e) {
            fail(e);
            return false;
        }
    }

    /** Sends what is owed; false if the connection closed. */
    private boolean flush() {
        owed.flip();
        int before = owed.remaining();
        IOException failure = null;
        try {
            int written = channel.write(owed);
            if (written > 0) {
                metrics.bytesSent += written;
                lastWriteProgressNanos = reactor.nowNanos();
            }
        } catch (IOException e) {
            failure = e;
        }
        metrics.queuedBytes -= before - owed.remaining();
        owed.compact();
        if (failure != null) {
            fail(failure);
            return false;
        }
        if (owed.position() == 0) {
            reactor.outputBuffers().release(owed);
            owed = null;
            if (peerClosed || shuttingDown) {
                clearReadPause(); // never read again: not "paused" while it lingers or closes
                finish();
                return false;
            }
        }
        applyBackpressure();
        return true;
    }

    private void clearReadPause() {
        if (readPaused) {
            readPaused = false;
            metrics.paused--;
        }
    }

    private void applyBackpressure() {
        int owedBytes = owedBytes();
        if (!readPaused && owedBytes >= highWaterBytes && !peerClosed && !shuttingDown) {
            readPaused = true;
            metrics.paused++;
            metrics.pauses++;
        } else if (readPaused && owedBytes <= lowWaterBytes) {
            readPaused = false;
            metrics.paused--;
        }
        updateInterest();
    }

    private void updateInterest() {
        boolean reading = lingering || (!readPaused && !budgetPaused && !peerClosed && !shuttingDown);
        int ops = (reading ? SelectionKey.OP_READ : 0) | (owed != null ? SelectionKey.OP_WRITE : 0);
        if (ops != interestOps) {
            interestOps = ops;
            key.interestOps(ops);
        }
    }

    private int owedBytes() {
        return owed == null ? 0 : owed.position();
    }

    /** No more input: the peer's FIN, or shutdown. Close now, or once everything owed is sent. */
    private void endInput() {
        clearReadPause();
        if (owed == null) {
            finish();
        } else {
            updateInterest();
        }
    }

    /** Stops reading and, once everything owed is sent, closes with FIN. */
    void beginShutdown() {
        shuttingDown = true;
        endInput();
    }

    void closeIfIdle(long nowNanos, long idleTimeoutNanos) {
        if (!shuttingDown && !peerClosed && nowNanos - lastInputNanos >= idleTimeoutNanos) {
            close(CloseCause.IDLE);
        }
    }

    /**
     * Closes the connection if it owes bytes and its peer has taken none of them for
     * {@code writeTimeoutNanos}. The kernel reports a socket writable only once a good part
     * of its send buffer is free (with megabytes of buffer, a slow reader can take seconds),
     * so a last write is tried first: any byte it sends is progress, and the clock restarts.
     */
    void closeIfWriteStalled(long nowNanos, long writeTimeoutNanos) {
        if (owed == null || nowNanos - lastWriteProgressNanos < writeTimeoutNanos) {
            return;
        }
        long progressBefore = lastWriteProgressNanos;
        if (flush() && owed != null && lastWriteProgressNanos == progressBefore) {
            close(CloseCause.WRITE_TIMEOUT);
        }
    }

    /** Nothing is owed and no input will be echoed: close cleanly. */
    private void finish() {
        if (peerClosed) {
            close(CloseCause.EOF);
            return;
        }
        // Shutdown: send FIN after the owed bytes, then linger: drop the input the peer
        // still sends until its own FIN. Closing with unread input would make the kernel send
        // RST and discard what it has not yet delivered; the drain timeout bounds the wait.
        try {
            channel.shutdownOutput();
        } catch (IOException e) {
            fail(e);
            return;
        }
        lingering = true;
        updateInterest();
        discardInput();
    }

    /** Lingering close: reads and drops input until the peer's EOF, then closes. */
    private void discardInput() {
        ByteBuffer buffer = reactor.readBuffer();
        for (int i = 0; i < 16; i++) {
            buffer.clear();
            int read;
            try {
                read = channel.read(buffer);
            } catch (IOException e) {
                fail(e);
                return;
            }
            if (read < 0) {
                close(CloseCause.SHUTDOWN);
                return;
            }
            if (read == 0) {
                return;
            }
        }
    }

    private void fail(IOException failure) {
        close(CloseCause.of(failure), failure, failure.getMessage());
    }

    @Override
    public void close(CloseCause cause) {
        close(cause, null, null);
    }

    /** Closes in this turn: key, channel, output buffer, counters, one log line. */
    private void close(CloseCause cause, Throwable failure, String detail) {
        if (closed) {
            return;
        }
        closed = true;
        key.cancel();
        try {
            channel.close();
        } catch (IOException e) {
            LOG.log(Level.ERROR, "closing connection " + remote + " failed", e);
        }
        if (owed != null) {
            metrics.queuedBytes -= owed.position();
            reactor.outputBuffers().release(owed);
            owed = null;
        }
        clearReadPause();
        metrics.active--;
        metrics.countClose(cause);
        if (!cause.expected()) {
            LOG.log(Level.ERROR, "connection " + remote + " closed: " + cause.tag() + (detail == null ? "" : " (" + detail + ")"),
                    failure);
        } else if (LOG.isLoggable(Level.DEBUG)) {
            LOG.log(Level.DEBUG, "connection " + remote + " closed: " + cause.tag() + (detail == null ? "" : " (" + detail + ")"));
        }
    }

    @Override
    public String toString() {
        return "connection " + remote;
    }
}
