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
 *
 * <p>Faults ({@link ConnectionFaults}, docs/faults.md): a connection that drew any takes a
 * path of its own from {@link #ready} on (the plain echo pays one null check per event and
 * two flag checks when its interest changes, and allocates nothing more): every byte
 * read goes to the output buffer and leaves it as the faults allow, on the reactor's
 * timers; a connection the server ends on purpose closes with cause {@code fault}.
 */
final class Connection implements PeerConnection {
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
    // Faults: null (and the fields below unused) for a plain echo.
    private ConnectionFaults faults;
    private boolean faultHoldsInput;
    private boolean faultHoldsOutput;
    private long timerAtNanos = Long.MAX_VALUE;
    private long lingerDeadlineNanos = Long.MAX_VALUE;
    private CloseCause lingerCause = CloseCause.SHUTDOWN;

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
        if (faults != null) {
            faultedReady(ready);
            return;
        }
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
    public int budgetNeedBytes() {
        return budgetNeedBytes;
    }

    /** Memory freed: read again (and pause again if someone else took it first). */
    public void resumeAfterBudget() {
        if (budgetPaused && !closed) {
            budgetPaused = false;
            updateInterest();
        }
    }

    public boolean isClosed() {
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
            logBackpressure("reading paused", owedBytes, "high", highWaterBytes);
        } else if (readPaused && owedBytes <= lowWaterBytes) {
            readPaused = false;
            metrics.paused--;
            logBackpressure("reading resumed", owedBytes, "low", lowWaterBytes);
        }
        updateInterest();
    }

    /** At debug level, each pause and resume with the bytes owed at that instant (one line each). */
    private void logBackpressure(String what, int owedBytes, String mark, int markBytes) {
        if (LOG.isLoggable(Level.DEBUG)) {
            LOG.log(Level.DEBUG, "connection " + remote + ": " + what + ", " + owedBytes + " bytes owed ("
                    + mark + "-water mark " + markBytes + ")");
        }
    }

    private void updateInterest() {
        boolean reading = lingering || (!readPaused && !budgetPaused && !peerClosed && !shuttingDown && !faultHoldsInput);
        int ops = (reading ? SelectionKey.OP_READ : 0) | (owed != null && !faultHoldsOutput ? SelectionKey.OP_WRITE : 0);
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
    public void beginShutdown() {
        shuttingDown = true;
        if (faults != null && !lingering) {
            faults.lift(); // the drain sends what is owed, faults or not
            faultHoldsInput = false;
            faultHoldsOutput = false;
            clearReadPause();
            if (owed != null) {
                flushFaulted();
                return;
            }
        }
        endInput();
    }

    public void closeIfIdle(long nowNanos, long idleTimeoutNanos) {
        if (!shuttingDown && !peerClosed && !lingering && nowNanos - lastInputNanos >= idleTimeoutNanos) {
            close(CloseCause.IDLE);
        }
    }

    /**
     * Closes the connection if it owes bytes and its peer has taken none of them for
     * {@code writeTimeoutNanos}. The kernel reports a socket writable only once a good part
     * of its send buffer is free (with megabytes of buffer, a slow reader can take seconds),
     * so a last write is tried first: any byte it sends is progress, and the clock restarts.
     */
    public void closeIfWriteStalled(long nowNanos, long writeTimeoutNanos) {
        if (owed == null || faultHoldsOutput || nowNanos - lastWriteProgressNanos < writeTimeoutNanos) {
            return; // a fault holding the bytes back is not the peer's doing
        }
        long progressBefore = lastWriteProgressNanos;
        if ((faults == null ? flush() : flushFaulted()) && owed != null && lastWriteProgressNanos == progressBefore) {
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
                close(lingerCause);
                return;
            }
            if (read == 0) {
                return;
            }
        }
    }

    // ---- faults -------------------------------------------------------------------------

    /** This connection drew {@code drawn}: from now on it takes the faulted path. */
    void injectFaults(ConnectionFaults drawn) {
        faults = drawn;
        flushFaulted(); // sets interest and timer; an ending after 0 bytes happens at once
    }

    private void faultedReady(int ready) {
        if ((ready & SelectionKey.OP_WRITE) != 0 && owed != null && !flushFaulted()) {
            return;
        }
        if ((ready & SelectionKey.OP_READ) != 0 && (interestOps & SelectionKey.OP_READ) != 0) {
            if (lingering) {
                discardInput();
            } else {
                readFaulted();
            }
        }
    }

    /** Reads what the faults allow into the output buffer (a blackhole drops it), then writes what they allow. */
    private void readFaulted() {
        ByteBuffer buffer = reactor.readBuffer();
        boolean dropping = faults.blackhole();
        int room = buffer.capacity();
        if (!dropping) {
            room = readLimit(room);
            if (room == 0) {
                pauseForBudget();
                return;
            }
            room = (int) Math.min(room, faults.readAllowance());
            if (room == 0) {
                refreshFaultHolds();
                updateInterest();
                return;
            }
        }
        buffer.clear();
        buffer.limit(room);
        int read;
        try {
            read = channel.read(buffer);
        } catch (IOException e) {
            fail(e);
            return;
        }
        if (read < 0) {
            if (dropping) {
                // A black hole answers nothing, not even the FIN: stop reading, keep the connection
                // (CLOSE_WAIT) until --idle-timeout or shutdown ends it.
                faults.swallowFin();
                faultHoldsInput = true;
                updateInterest();
                return;
            }
            peerClosed = true;
            endInput();
            return;
        }
        if (read == 0) {
            return;
        }
        metrics.bytesReceived += read;
        long now = reactor.nowNanos();
        lastInputNanos = now;
        if (dropping) {
            return;
        }
        buffer.flip();
        if (owed == null) {
            if (!takeOutputBuffer(reactor.outputBuffers().classFor(read))) {
                return;
            }
            lastWriteProgressNanos = now;
        } else if (read > owed.remaining() && !growOutputBuffer(owed.position() + read)) {
            return;
        }
        metrics.queuedBytes += read;
        owed.put(buffer);
        faults.onRead(read, now);
        flushFaulted();
    }

    /**
     * Writes what the faults allow of what is owed, acts on an ending that has come, and sets
     * the interest and timer for the rest; false if the connection closed.
     */
    private boolean flushFaulted() {
        long now = reactor.nowNanos();
        boolean socketFull = false;
        // Each allowance is one write (a slice's piece its own segment); a few per call at most.
        for (int writes = 0; owed != null && writes < 16; writes++) {
            long allowed = faults.writeAllowance(now, owed.position());
            if (allowed <= 0) {
                break;
            }
            owed.flip();
            int limit = owed.limit();
            owed.limit(owed.position() + (int) allowed);
            int written = 0;
            IOException failure = null;
            try {
                written = channel.write(owed);
            } catch (IOException e) {
                failure = e;
            }
            owed.limit(limit);
            owed.compact();
            if (written > 0) {
                metrics.bytesSent += written;
                metrics.queuedBytes -= written;
                lastWriteProgressNanos = now;
                faults.onWritten(written, now);
            }
            if (failure != null) {
                fail(failure);
                return false;
            }
            socketFull = written < allowed;
            if (owed.position() == 0) {
                reactor.outputBuffers().release(owed);
                owed = null;
            }
            if (socketFull) {
                break;
            }
        }
        FaultKind ending = faults.endingDue();
        if (ending != null && !endByFault(ending)) {
            return false;
        }
        if (owed == null && (peerClosed || shuttingDown) && !lingering) {
            clearReadPause();
            finish();
            return false;
        }
        faultHoldsOutput = !socketFull; // OP_WRITE only when the socket refused bytes the faults allowed
        refreshFaultHolds();
        applyBackpressure();
        armTimer();
        return true;
    }

    private void refreshFaultHolds() {
        faultHoldsInput = !shuttingDown && faults.readAllowance() == 0;
        if (faults.stalled()) {
            faultHoldsOutput = true;
        }
    }

    /** Ends the connection as {@code kind} says; false if it closed (a stall keeps it). */
    private boolean endByFault(FaultKind kind) {
        if (LOG.isLoggable(Level.DEBUG)) {
            LOG.log(Level.DEBUG, "connection " + remote + ": fault " + faults.specOf(kind) + " after "
                    + metrics.bytesSent + " bytes sent in all");
        }
        switch (kind) {
            case RESET -> {
                try {
                    channel.setOption(StandardSocketOptions.SO_LINGER, 0); // close sends RST, drops what is unsent
                } catch (IOException e) {
                    fail(e);
                    return false;
                }
                close(CloseCause.FAULT, null, "reset");
                return false;
            }
            case CLOSE -> {
                // FIN after what the socket holds. Closing with unread input would make Linux send
                // RST instead (tcp_close), so the input that arrived is dropped first; anything
                // the peer sends afterwards reaches a closed socket, which answers with RST.
                try {
                    channel.shutdownOutput();
                } catch (IOException e) {
                    fail(e);
                    return false;
                }
                dropPendingInput();
                if (!closed) {
                    close(CloseCause.FAULT, null, "close");
                }
                return false;
            }
            case LIMIT -> {
                // A clean close: FIN, then drop input until the peer's FIN, at most the drain timeout.
                try {
                    channel.shutdownOutput();
                } catch (IOException e) {
                    fail(e);
                    return false;
                }
                clearReadPause();
                lingering = true;
                lingerCause = CloseCause.FAULT;
                lingerDeadlineNanos = reactor.nowNanos() + reactor.config().drainTimeout().toNanos();
                faultHoldsInput = false;
                faultHoldsOutput = false;
                updateInterest();
                discardInput();
                if (!closed) {
                    armTimer();
                }
                return false;
            }
            case STALL -> {
                faults.stall();
                faultHoldsInput = true;
                faultHoldsOutput = true;
                updateInterest();
                return true;
            }
            default -> throw new IllegalStateException("not an ending: " + kind);
        }
    }

    /** Reads and drops what input has arrived (bounded), so that a close sends FIN, not RST. */
    private void dropPendingInput() {
        ByteBuffer buffer = reactor.readBuffer();
        for (int i = 0; i < 16; i++) {
            buffer.clear();
            try {
                if (channel.read(buffer) <= 0) {
                    return;
                }
            } catch (IOException e) {
                fail(e);
                return;
            }
        }
    }

    /**
     * Arms the reactor timer for the earlier of a timed ending and a release of held bytes; while
     * lingering, for the linger deadline alone: the echo is over ({@link #timerDue} no longer
     * looks at the timed ending), and a timed ending still pending would re-arm itself at once.
     */
    private void armTimer() {
        long at;
        if (lingering) {
            at = lingerDeadlineNanos;
        } else {
            at = faults.timedEndAtNanos();
            if (owed != null && faultHoldsOutput) {
                at = earlier(at, faults.nextReleaseNanos(reactor.nowNanos(), owed.position()));
            }
        }
        if (at != Long.MAX_VALUE && (timerAtNanos == Long.MAX_VALUE || at - timerAtNanos < 0)) {
            timerAtNanos = at;
            reactor.timers().schedule(at, this);
        }
    }

    private static long earlier(long a, long b) {
        if (a == Long.MAX_VALUE) {
            return b;
        }
        if (b == Long.MAX_VALUE) {
            return a;
        }
        return a - b <= 0 ? a : b;
    }

    /** Whether the timer entry for {@code atNanos} is still the one this connection armed. */
    public boolean timerArmedAt(long atNanos) {
        return !closed && atNanos == timerAtNanos;
    }

    /** A timer entry came due; acts only if it is the one this connection armed last. */
    public void timerDue(long atNanos, long nowNanos) {
        if (!timerArmedAt(atNanos)) {
            return;
        }
        timerAtNanos = Long.MAX_VALUE;
        if (lingering) {
            if (nowNanos - lingerDeadlineNanos >= 0) {
                close(lingerCause, null, "no FIN from the peer within the linger time");
            } else {
                armTimer();
            }
            return;
        }
        FaultKind ending = faults.timedEndDue(nowNanos);
        if (ending != null && !endByFault(ending)) {
            return;
        }
        if (faults.blackhole()) {
            armTimer();
            return;
        }
        flushFaulted();
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
        if (owed != null) {
            metrics.queuedBytes -= owed.position();
            reactor.outputBuffers().release(owed);
            owed = null;
        }
        clearReadPause();
        reactor.connectionClosed(LOG, key, channel, remote, cause, failure, detail);
    }

    @Override
    public String toString() {
        return "connection " + remote;
    }
}
