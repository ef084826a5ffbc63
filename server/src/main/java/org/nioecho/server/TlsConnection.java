package org.nioecho.server;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;

/**
 * One peer's echo over TLS, driven by an {@link SSLEngine} on the reactor thread: ciphertext
 * is read into a per-connection buffer ({@code netIn}, one record's worth), each record is
 * decrypted into the reactor's scratch buffer and encrypted back at once into the output
 * buffer ({@code netOut}, ciphertext, borrowed from the {@link BufferPool} while bytes are
 * owed, like {@link Connection}'s).
 *
 * <p>The plain echo's rules hold for the ciphertext: a connection owing
 * {@code highWaterBytes} minus one record is not read until it owes at most
 * {@code lowWaterBytes}; a read that would need more output memory than the budget has left
 * waits for the reactor to wake it; a peer that takes none of the owed bytes for the write
 * timeout is closed ({@code write.timeout}); the idle timeout counts ciphertext input.
 *
 * <p>The handshake: delegated tasks run on the endpoint's task thread (the connection is not
 * read meanwhile, and comes back through the reactor's task queue); a handshake not done
 * within {@code --tls-handshake-timeout} is closed by the reactor's timer. Failures:
 * {@code tls.handshake} (counted by reason), {@code tls.not.tls} (the first byte is not a
 * TLS handshake record), {@code tls.truncated} (FIN without close_notify), {@code tls.error}
 * (a TLS failure after the handshake); close_notify is answered with close_notify and
 * ends the connection as {@code eof}.
 */
final class TlsConnection implements PeerConnection {
    private static final System.Logger LOG = System.getLogger(TlsConnection.class.getName());
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
    private static final int TLS_HANDSHAKE_RECORD = 0x16;
    private static final int STEPS_PER_EVENT = 64; // engine steps per ready event: fairness

    private final Reactor reactor;
    private final TlsEndpoint endpoint;
    private final ServerMetrics metrics;
    private final SocketChannel channel;
    private final String remote;
    private final SSLEngine engine;
    private final int lowWaterBytes;
    private final int highWaterBytes;
    private final long acceptedNanos;
    private SelectionKey key;
    private int interestOps;
    private ByteBuffer netIn; // ciphertext read, fill mode
    private ByteBuffer netOut; // ciphertext owed, fill mode; null while nothing is owed
    private boolean handshaking = true;
    private boolean sawInput;
    private boolean taskRunning;
    private boolean continuing; // an advance is queued on the reactor (fairness)
    private boolean readPaused;
    private boolean budgetPaused;
    private int budgetNeedBytes;
    private boolean peerClosed; // FIN
    private boolean closeNotifyReceived;
    private boolean shuttingDown;
    private boolean lingering;
    private boolean closed;
    private int cipherIndex = -1;
    private long lastInputNanos;
    private long lastWriteProgressNanos;
    private long timerAtNanos = Long.MAX_VALUE;

    TlsConnection(Reactor reactor, TlsEndpoint endpoint, SocketChannel channel) throws IOException {
        this.reactor = reactor;
        this.endpoint = endpoint;
        this.metrics = reactor.metrics();
        this.channel = channel;
        this.lowWaterBytes = reactor.config().lowWaterBytes();
        this.highWaterBytes = reactor.config().highWaterBytes();
        channel.configureBlocking(false);
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        this.remote = Addresses.format((InetSocketAddress) channel.getRemoteAddress());
        this.engine = endpoint.newEngine();
        this.engine.beginHandshake(); // until then the engine says NOT_HANDSHAKING
        this.netIn = ByteBuffer.allocate(endpoint.packetBytes());
        this.acceptedNanos = System.nanoTime();
        this.lastInputNanos = acceptedNanos;
    }

    void register(Selector selector) throws IOException {
        interestOps = SelectionKey.OP_READ;
        key = channel.register(selector, interestOps, this);
        timerAtNanos = acceptedNanos + endpoint.handshakeTimeoutNanos();
        reactor.timers().schedule(timerAtNanos, this);
    }

    @Override
    public void ready(SelectionKey readyKey) {
        int ready = readyKey.readyOps();
        if ((ready & SelectionKey.OP_WRITE) != 0 && netOut != null && !flush()) {
            return;
        }
        if ((ready & SelectionKey.OP_READ) != 0 && (interestOps & SelectionKey.OP_READ) != 0) {
            if (lingering) {
                discardInput();
                return;
            }
            if (!readCiphertext()) {
                return;
            }
        }
        advance();
    }

    /** Reads what fits into {@code netIn}; false if the connection closed. */
    private boolean readCiphertext() {
        int read;
        try {
            read = channel.read(netIn);
        } catch (IOException e) {
            fail(e);
            return false;
        }
        if (read < 0) {
            peerClosed = true;
            return true;
        }
        if (read > 0) {
            metrics.bytesReceived += read;
            lastInputNanos = reactor.nowNanos();
            if (!sawInput) {
                sawInput = true;
                int first = netIn.get(0) & 0xff;
                if (first != TLS_HANDSHAKE_RECORD && (first & 0x80) == 0) {
                    notTls(first);
                    return false;
                }
            }
        }
        return true;
    }

    /** Runs the engine as far as input, output room and tasks allow, sends, then sets the interest. */
    private void advance() {
        int step = 0;
        for (; step < STEPS_PER_EVENT && !closed && !taskRunning; step++) {
            HandshakeStatus status = engine.getHandshakeStatus();
            boolean progressed;
            if (status == HandshakeStatus.NEED_TASK) {
                runTasks();
                break;
            } else if (status == HandshakeStatus.NEED_WRAP) {
                progressed = wrap(EMPTY);
            } else if (status == HandshakeStatus.NEED_UNWRAP || status == HandshakeStatus.NEED_UNWRAP_AGAIN) {
                progressed = unwrap();
            } else {
                if (handshaking) {
                    handshakeDone();
                }
                progressed = !shuttingDown && !closeNotifyReceived && unwrap();
                if (shuttingDown && !engine.isOutboundDone() && !closed) {
                    engine.closeOutbound();
                    progressed = wrap(EMPTY);
                }
            }
            if (!progressed) {
                break;
            }
        }
        if (closed) {
            return;
        }
        if (step == STEPS_PER_EVENT && !continuing) {
            continuing = true;
            reactor.execute(this::continueLater); // fairness: the rest after the other connections' turn
        }
        if (netOut != null && !flush()) {
            return;
        }
        if (netOut == null && !finishIfDone()) {
            return;
        }
        updateInterest();
    }

    /** Decrypts one record from {@code netIn} and encrypts its plaintext back; false if nothing more can be done now. */
    private boolean unwrap() {
        if (netIn.position() == 0 && engine.getHandshakeStatus() != HandshakeStatus.NEED_UNWRAP_AGAIN) {
            return false;
        }
        if (!handshaking && !reserveOutput()) {
            return false; // backpressure or budget: the record waits in netIn
        }
        ByteBuffer plain = endpoint.plain();
        plain.clear();
        netIn.flip();
        SSLEngineResult result;
        try {
            result = engine.unwrap(netIn, plain);
        } catch (SSLException e) {
            netIn.compact();
            tlsFailure(e);
            return false;
        }
        netIn.compact();
        switch (result.getStatus()) {
            case BUFFER_UNDERFLOW -> {
                if (!netIn.hasRemaining()) { // a record larger than the buffer: grow to the session's size
                    int size = engine.getSession().getPacketBufferSize();
                    if (size <= netIn.capacity()) {
                        tlsFailure(new SSLException("a TLS record larger than " + netIn.capacity() + " bytes"));
                        return false;
                    }
                    ByteBuffer larger = ByteBuffer.allocate(size);
                    netIn.flip();
                    larger.put(netIn);
                    netIn = larger;
                }
                return false;
            }
            case BUFFER_OVERFLOW -> {
                tlsFailure(new SSLException("a TLS record larger than the plaintext buffer (" + plain.capacity() + " bytes)"));
                return false;
            }
            case CLOSED -> {
                closeNotifyReceived = true;
                engine.closeOutbound(); // answer with our close_notify, after what is owed
                return wrap(EMPTY);
            }
            default -> {
                if (result.getHandshakeStatus() == HandshakeStatus.FINISHED) {
                    handshakeDone();
                }
                plain.flip();
                return !plain.hasRemaining() || wrap(plain);
            }
        }
    }

    /** Encrypts {@code source} (all of it: at most one record) into {@code netOut}; false if it could not. */
    private boolean wrap(ByteBuffer source) {
        if (!reserveOutput()) {
            return false;
        }
        int before = netOut.position();
        SSLEngineResult result;
        try {
            result = engine.wrap(source, netOut);
        } catch (SSLException e) {
            tlsFailure(e);
            return false;
        }
        int produced = netOut.position() - before;
        if (produced > 0) {
            if (before == 0) {
                lastWriteProgressNanos = reactor.nowNanos(); // owing starts: the write timeout runs from here
            }
            metrics.queuedBytes += produced;
        }
        if (result.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
            tlsFailure(new SSLException("no room for a TLS record in " + netOut.remaining() + " bytes"));
            return false;
        }
        if (result.getHandshakeStatus() == HandshakeStatus.FINISHED) {
            handshakeDone();
        }
        if (source.hasRemaining()) { // more than one record's worth: not from a single unwrap
            return wrap(source);
        }
        return result.getStatus() != SSLEngineResult.Status.CLOSED || produced > 0;
    }

    /**
     * Makes room for one more record in {@code netOut}: false (and paused) if the connection
     * owes too much (backpressure) or the output budget cannot cover it.
     */
    private boolean reserveOutput() {
        int record = endpoint.packetBytes();
        BufferPool pool = reactor.outputBuffers();
        if (netOut == null) {
            int size = pool.classFor(record);
            if (pool.availableBytes() < size) {
                pauseForBudget(size);
                return false;
            }
            return (netOut = acquire(size)) != null;
        }
        if (netOut.remaining() >= record) {
            return true;
        }
        int needed = netOut.position() + record;
        int size = pool.classFor(needed);
        if (size < needed) { // beyond the high-water mark: wait until the peer takes some
            if (!readPaused) {
                readPaused = true;
                metrics.paused++;
                metrics.pauses++;
            }
            return false;
        }
        if (pool.availableBytes() < size) {
            pauseForBudget(size);
            return false;
        }
        ByteBuffer larger = acquire(size);
        if (larger == null) {
            return false;
        }
        netOut.flip();
        larger.put(netOut);
        pool.release(netOut);
        netOut = larger;
        return true;
    }

    private ByteBuffer acquire(int size) {
        try {
            return reactor.outputBuffers().acquire(size);
        } catch (OutOfMemoryError e) {
            close(CloseCause.ERROR, e, "cannot allocate a " + size + "-byte output buffer: " + e.getMessage());
            return null;
        }
    }

    private void pauseForBudget(int size) {
        budgetNeedBytes = size;
        if (!budgetPaused) {
            budgetPaused = true;
            metrics.budgetPauses++;
            reactor.pausedForBudget(this);
        }
    }

    @Override
    public int budgetNeedBytes() {
        return budgetNeedBytes;
    }

    @Override
    public void resumeAfterBudget() {
        if (budgetPaused && !closed) {
            budgetPaused = false;
            advance();
        }
    }

    /** Sends what is owed; false if the connection closed. */
    private boolean flush() {
        netOut.flip();
        int before = netOut.remaining();
        IOException failure = null;
        try {
            int written = channel.write(netOut);
            if (written > 0) {
                metrics.bytesSent += written;
                lastWriteProgressNanos = reactor.nowNanos();
            }
        } catch (IOException e) {
            failure = e;
        }
        metrics.queuedBytes -= before - netOut.remaining();
        netOut.compact();
        if (failure != null) {
            fail(failure);
            return false;
        }
        int owed = netOut.position();
        if (owed == 0) {
            reactor.outputBuffers().release(netOut);
            netOut = null;
        }
        if (readPaused && owed <= lowWaterBytes) {
            readPaused = false;
            metrics.paused--;
            if (netIn.position() > 0) {
                advance(); // records wait in netIn: echo them now
                return !closed;
            }
        }
        if (netOut == null) {
            return finishIfDone();
        }
        updateInterest();
        return true;
    }

    /** Closes once nothing is owed and no more input will be echoed; false if it closed. */
    private boolean finishIfDone() {
        if (closed) {
            return false;
        }
        if (closeNotifyReceived && engine.isOutboundDone()) {
            close(CloseCause.EOF); // close_notify answered: the peer's FIN may follow, nothing more to say
            return false;
        }
        if (shuttingDown && engine.isOutboundDone() && !lingering) {
            startLinger();
            return !closed;
        }
        // After the peer's FIN: close once the records that arrived are echoed. A partial record
        // left in netIn (the engine can do nothing more with it) must not keep the connection.
        if (peerClosed && !taskRunning && !continuing && !readPaused && !budgetPaused) {
            if (handshaking) {
                if (sawInput) {
                    handshakeFailed(TlsHandshakeFailure.OTHER, "the peer closed the connection during the handshake");
                } else {
                    close(CloseCause.EOF); // connected and left without a byte: a port probe
                }
            } else {
                close(CloseCause.TLS_TRUNCATED, null, "FIN without close_notify");
            }
            return false;
        }
        return true;
    }

    private void updateInterest() {
        if (closed) {
            return;
        }
        boolean reading = lingering || (!readPaused && !budgetPaused && !taskRunning && !peerClosed
                && !closeNotifyReceived && !shuttingDown && netIn.hasRemaining());
        int ops = (reading ? SelectionKey.OP_READ : 0) | (netOut != null ? SelectionKey.OP_WRITE : 0);
        if (ops != interestOps) {
            interestOps = ops;
            key.interestOps(ops);
        }
    }

    // ---- the handshake --------------------------------------------------------------------

    /** Hands the engine's delegated tasks to the task thread; the connection waits, unread. */
    private void runTasks() {
        taskRunning = true;
        updateInterest();
        Runnable work = () -> {
            Runnable task;
            while ((task = engine.getDelegatedTask()) != null) {
                task.run();
            }
        };
        if (endpoint.offload(() -> {
            work.run();
            reactor.execute(this::tasksDone);
        })) {
            return;
        }
        work.run(); // the task queue is full: run them here, the bounded fallback
        tasksDone();
    }

    private void continueLater() {
        continuing = false;
        if (!closed && !taskRunning) {
            advance();
        }
    }

    private void tasksDone() {
        taskRunning = false;
        if (!closed) {
            advance();
        }
    }

    private void handshakeDone() {
        if (!handshaking) {
            return;
        }
        handshaking = false;
        timerAtNanos = Long.MAX_VALUE;
        String protocol = engine.getSession().getProtocol();
        String cipher = engine.getSession().getCipherSuite();
        cipherIndex = endpoint.metrics().countCompleted(protocol, cipher, System.nanoTime() - acceptedNanos);
        if (LOG.isLoggable(Level.DEBUG)) {
            LOG.log(Level.DEBUG, "connection " + remote + ": TLS handshake done, " + protocol + " " + cipher);
        }
    }

    @Override
    public boolean timerArmedAt(long atNanos) {
        return !closed && handshaking && atNanos == timerAtNanos;
    }

    @Override
    public void timerDue(long atNanos, long nowNanos) {
        if (timerArmedAt(atNanos)) {
            handshakeFailed(TlsHandshakeFailure.TIMEOUT,
                    "not done within " + endpoint.handshakeTimeoutNanos() / 1_000_000 + " ms");
        }
    }

    // ---- failures and closing --------------------------------------------------------------

    private void tlsFailure(SSLException failure) {
        sendAlert();
        if (handshaking) {
            handshakeFailed(TlsHandshakeFailure.of(failure), failure.getMessage());
        } else {
            close(CloseCause.TLS_ERROR, null, failure.getMessage());
        }
    }

    private void handshakeFailed(TlsHandshakeFailure reason, String detail) {
        endpoint.metrics().countFailed(reason);
        close(CloseCause.TLS_HANDSHAKE, null, reason.tag() + ": " + detail);
    }

    /** After a failure the engine holds an alert for the peer: one non-blocking try to send it. */
    private void sendAlert() {
        if (taskRunning) {
            return;
        }
        try {
            ByteBuffer alert = ByteBuffer.allocate(endpoint.packetBytes());
            for (int i = 0; i < 4 && !engine.isOutboundDone(); i++) {
                if (engine.wrap(EMPTY, alert).bytesProduced() == 0) {
                    break;
                }
            }
            alert.flip();
            if ((netOut == null || netOut.position() == 0) && alert.hasRemaining()) { // behind owed bytes it would not go out now
                channel.write(alert);
            }
        } catch (IOException e) {
            // the alert is a courtesy: the connection closes with the cause that brought us here
        }
    }

    /** Not TLS: one debug line naming the first byte; the input is dropped so that the close sends FIN. */
    private void notTls(int firstByte) {
        String detail = String.format("first byte 0x%02x is not a TLS handshake record%s", firstByte,
                firstByte >= 0x20 && firstByte < 0x7f ? " ('" + (char) firstByte + "': plain text?)" : "");
        ByteBuffer drop = reactor.readBuffer();
        try {
            for (int i = 0; i < 16; i++) {
                drop.clear();
                if (channel.read(drop) <= 0) {
                    break;
                }
            }
            channel.shutdownOutput();
        } catch (IOException e) {
            // closing anyway
        }
        close(CloseCause.TLS_NOT_TLS, null, detail);
    }

    @Override
    public void beginShutdown() {
        if (closed) {
            return;
        }
        shuttingDown = true;
        if (handshaking) {
            close(CloseCause.SHUTDOWN);
            return;
        }
        if (!taskRunning) {
            advance(); // sends close_notify after what is owed, then FIN
        }
    }

    private void startLinger() {
        try {
            channel.shutdownOutput();
        } catch (IOException e) {
            fail(e);
            return;
        }
        lingering = true;
        if (readPaused) {
            readPaused = false;
            metrics.paused--;
        }
        updateInterest();
        discardInput();
    }

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

    @Override
    public void closeIfIdle(long nowNanos, long idleTimeoutNanos) {
        if (!shuttingDown && !peerClosed && !lingering && nowNanos - lastInputNanos >= idleTimeoutNanos) {
            close(CloseCause.IDLE);
        }
    }

    @Override
    public void closeIfWriteStalled(long nowNanos, long writeTimeoutNanos) {
        if (netOut == null || nowNanos - lastWriteProgressNanos < writeTimeoutNanos) {
            return;
        }
        long progressBefore = lastWriteProgressNanos;
        if (flush() && netOut != null && lastWriteProgressNanos == progressBefore) {
            close(CloseCause.WRITE_TIMEOUT);
        }
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    private void fail(IOException failure) {
        close(CloseCause.of(failure), failure, failure.getMessage());
    }

    @Override
    public void close(CloseCause cause) {
        close(cause, null, null);
    }

    /** Closes in this turn: key, channel, output buffer, counters, one log line (the engine is left to the collector). */
    private void close(CloseCause cause, Throwable failure, String detail) {
        if (closed) {
            return;
        }
        closed = true;
        if (netOut != null) {
            metrics.queuedBytes -= netOut.position();
            reactor.outputBuffers().release(netOut);
            netOut = null;
        }
        if (readPaused) {
            readPaused = false;
            metrics.paused--;
        }
        endpoint.metrics().sessionEnded(cipherIndex);
        reactor.connectionClosed(LOG, key, channel, remote, cause, failure, detail);
    }

    @Override
    public String toString() {
        return "TLS connection " + remote;
    }
}
