package org.nioecho.server;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;

/**
 * One peer's echo: reads into the reactor's shared buffer and writes the bytes straight
 * back; only what the socket did not take is kept, in an output buffer borrowed for as long
 * as bytes are owed (an idle connection holds none).
 *
 * <p>Backpressure: a connection owing {@code highWaterBytes} is not read until it owes at
 * most {@code lowWaterBytes}, and a read never takes more than the output buffer can still
 * hold, so a peer that never reads costs at most the high-water mark. One read per ready
 * event keeps connections fair.
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
    private final SocketAddress remote;
    private final int lowWaterBytes;
    private final int highWaterBytes;
    private SelectionKey key;
    private int interestOps;
    private ByteBuffer owed; // null while nothing is owed; otherwise in fill mode
    private boolean readPaused;
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
        this.remote = channel.getRemoteAddress();
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
        buffer.clear();
        int room = highWaterBytes - owedBytes();
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
            owed = reactor.outputBuffers().acquire();
            metrics.queuedBytes += buffer.remaining();
            owed.put(buffer);
            applyBackpressure();
        } else {
            metrics.queuedBytes += read;
            owed.put(buffer);
            flush();
        }
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
            metrics.bytesSent += channel.write(owed);
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
                finish();
                return false;
            }
        }
        applyBackpressure();
        return true;
    }

    private void applyBackpressure() {
        int owedBytes = owedBytes();
        if (!readPaused && owedBytes >= highWaterBytes) {
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
        boolean reading = lingering || (!readPaused && !peerClosed && !shuttingDown);
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
        close(CloseCause.of(failure), failure);
    }

    @Override
    public void close(CloseCause cause) {
        close(cause, null);
    }

    /** Closes in this turn: key, channel, output buffer, counters, one log line. */
    private void close(CloseCause cause, IOException failure) {
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
        if (readPaused) {
            readPaused = false;
            metrics.paused--;
        }
        metrics.active--;
        metrics.countClose(cause);
        if (!cause.expected()) {
            LOG.log(Level.ERROR, "connection " + remote + " closed: " + cause.tag(), failure);
        } else if (LOG.isLoggable(Level.DEBUG)) {
            LOG.log(Level.DEBUG, "connection " + remote + " closed: " + cause.tag()
                    + (failure == null ? "" : " (" + failure.getMessage() + ")"));
        }
    }

    @Override
    public String toString() {
        return "connection " + remote;
    }
}
