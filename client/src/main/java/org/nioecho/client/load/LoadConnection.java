package org.nioecho.client.load;

import org.nioecho.client.ErrorCause;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.Objects;

/**
 * One load connection, the handler attached to its selection key: connects, sends the
 * pattern as fast as its mode allows, verifies every echoed byte and times each message.
 * Message {@code k} is bytes {@code [k*size, (k+1)*size)} of the connection's stream; its
 * latency runs from its send time (its intended send time in rate mode) to the arrival of
 * its last echoed byte. In rate mode a message that falls due while the socket is full is
 * sent late, never skipped, and its lateness (actual minus intended send time) is recorded.
 * A churn connection that fails waits before it connects again (1 ms, doubling up to 100 ms).
 * Used only by its worker's thread.
 */
final class LoadConnection {
    /** HANDSHAKING: TCP connected, TLS handshake running (--tls only). */
    private enum State { IDLE, CONNECTING, HANDSHAKING, OPEN, DONE }

    private static final long FIRST_RETRY_DELAY_NANOS = 1_000_000L;
    private static final long MAX_RETRY_DELAY_NANOS = 100_000_000L;

    private final LoadWorker worker;
    private final LoadMode mode;
    private final int size;
    private final int windowBytes;
    private final InetAddress source;
    /** Start times of the messages in flight, indexed by message number modulo its length. */
    private final long[] startNanos;
    private final double periodNanos;

    private State state = State.IDLE;
    private SocketChannel channel;
    private SelectionKey key;
    /** The connection's TLS, null without --tls or before the TCP connect completed. */
    private TlsChannel tls;
    private long tcpConnectedNanos;
    private long seed;
    private long sentBytes;
    private long receivedBytes;
    private long connectStartNanos;
    private boolean stopped;
    private boolean writeInterest;
    private long firstIntendedNanos;
    /** Rate mode: traffic started, so messages fall due. */
    private boolean rateStarted;
    /** Rate mode: messages whose first byte was written. */
    private long sentMessages;
    /** Rate mode: messages due before the stop (or the failure); -1 until counted. */
    private long scheduledMessages = -1;
    /** Churn mode: the wait before the next attempt after a failure; 0 after a success. */
    private long retryDelayNanos;
    /** Rate mode: when the next message is due. */
    long nextDueNanos;
    /** Churn mode: when the next attempt after a failure may start. */
    long retryAtNanos;

    LoadConnection(LoadWorker worker, LoadConfig config, InetAddress source) {
        this.worker = Objects.requireNonNull(worker, "worker");
        this.mode = config.mode();
        this.size = config.sizeBytes();
        this.windowBytes = mode == LoadMode.STREAM ? config.windowBytes() : size;
        this.source = source;
        this.startNanos = new long[mode == LoadMode.RATE ? 1 : windowBytes / size + 3];
        this.periodNanos = mode == LoadMode.RATE ? 1e9 / config.ratePerSecond() : 0;
    }

    /** Connecting or, with TLS, handshaking: both are bounded by the connect timeout. */
    boolean isConnecting() {
        return state == State.CONNECTING || state == State.HANDSHAKING;
    }

    boolean isOpen() {
        return state == State.OPEN;
    }

    boolean isDone() {
        return state == State.DONE;
    }

    long connectStartNanos() {
        return connectStartNanos;
    }

    /** Opens a new connection (also again, in churn mode). */
    void connect(long now, long newSeed) {
        sentBytes = 0;
        receivedBytes = 0;
        writeInterest = false;
        seed = newSeed;
        connectStartNanos = now;
        state = State.CONNECTING;
        worker.connectStarted();
        try {
            channel = SocketChannel.open();
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            if (source != null) {
                channel.bind(new InetSocketAddress(source, 0));
            }
            if (channel.connect(worker.server())) {
                key = channel.register(worker.selector(), 0, this);
                onConnected(now);
            } else {
                key = channel.register(worker.selector(), SelectionKey.OP_CONNECT, this);
            }
        } catch (IOException e) {
            fail(ErrorCause.of(e));
        }
    }

    /** Handles the ready operations of this connection's key. */
    void handle(SelectionKey ready, long now) {
        try {
            if (!ready.isValid()) {
                return;
            }
            int ops = ready.readyOps();
            if ((ops & SelectionKey.OP_CONNECT) != 0) {
                if (channel.finishConnect()) {
                    onConnected(now);
                }
                return;
            }
            if (state == State.HANDSHAKING) {
                stepHandshake(now);
                return;
            }
            if ((ops & SelectionKey.OP_WRITE) != 0) {
                pump(now);
            }
            if (state == State.OPEN && (ops & SelectionKey.OP_READ) != 0) {
                read(now);
                while (tls != null && state == State.OPEN && tls.hasBufferedInput()) {
                    read(now); // records left behind a full read buffer: the socket will not signal them again
                }
            }
        } catch (IOException e) {
            fail(state == State.HANDSHAKING ? ErrorCause.ofHandshake(e) : ErrorCause.of(e));
        }
    }

    /** Starts sending: at once (pingpong, stream, churn) or at the first intended time (rate). */
    void startTraffic(long now, long rateOffsetNanos) throws IOException {
        if (mode == LoadMode.RATE) {
            firstIntendedNanos = now + rateOffsetNanos;
            nextDueNanos = firstIntendedNanos;
            rateStarted = true;
            worker.scheduleRate(this);
        } else {
            pump(now);
        }
    }

    /** Rate mode: sends what is due and works out when the next message is. */
    void sendDue(long now) {
        try {
            pump(now);
        } catch (IOException e) {
            fail(ErrorCause.of(e));
            return;
        }
        nextDueNanos = intendedNanos(dueMessages(now));
    }

    /** No new messages from now on; the one partly sent is finished, then the connection closes once echoed. */
    void stop(long now) {
        stopped = true;
        if (rateStarted) {
            countScheduled(worker.stopAtNanos() - 1);
        }
        if (isConnecting()) {
            closeChannel();
            worker.connectEnded();
            done();
        } else if (state == State.OPEN) {
            try {
                pump(now);
                finishIfDrained();
            } catch (IOException e) {
                fail(ErrorCause.of(e));
            }
        }
    }

    /** The connection attempt took longer than the connect timeout. */
    void handleTimeout() {
        fail(ErrorCause.TIMED_OUT);
    }

    /** The drain time is over: what is still owed is missing. */
    void abandon() {
        if (state == State.OPEN) {
            worker.missing(Math.max(0, sentBytes - receivedBytes));
            closeChannel();
            worker.closedOpen();
            done();
        } else if (isConnecting()) {
            closeChannel();
            worker.connectEnded();
            done();
        }
    }

    /** Closes the channel, whatever the state (the worker's final clean-up). */
    void closeQuietly() {
        if (channel != null && channel.isOpen()) {
            closeChannel();
        }
    }

    /** Rate mode: messages due but not yet started (the backlog of a full socket). */
    long behindMessages(long now) {
        if (!rateStarted) {
            return 0;
        }
        long due = scheduledMessages >= 0 ? scheduledMessages : dueMessages(now);
        return Math.max(0, due - sentMessages);
    }

    private void countScheduled(long until) {
        if (scheduledMessages < 0) {
            scheduledMessages = dueMessages(until);
            worker.scheduled(scheduledMessages);
        }
    }

    private void onConnected(long now) throws IOException {
        if (worker.tls() == null) {
            onOpen(now, now - connectStartNanos);
            return;
        }
        tcpConnectedNanos = now;
        tls = new TlsChannel(worker.tls().fullHandshakeEngine(worker.server().getHostString(), worker.server().getPort()), channel);
        state = State.HANDSHAKING;
        key.interestOps(SelectionKey.OP_READ);
        stepHandshake(now);
    }

    /** Steps the TLS handshake; once done, the connection is open (its connect time is the TCP part). */
    private void stepHandshake(long now) throws IOException {
        if (tls.handshake()) {
            worker.handshaked(System.nanoTime() - tcpConnectedNanos);
            onOpen(now, tcpConnectedNanos - connectStartNanos);
        } else {
            key.interestOps(tls.wantsWrite() ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ);
        }
    }

    private void onOpen(long now, long connectNanos) throws IOException {
        state = State.OPEN;
        retryDelayNanos = 0;
        worker.connected(connectNanos);
        key.interestOps(SelectionKey.OP_READ);
        if (stopped) {
            finishIfDrained();
        } else if (worker.trafficStarted()) {
            startTraffic(now, worker.rateOffsetNanos());
        }
    }

    private void read(long now) throws IOException {
        ByteBuffer buffer = worker.readBuffer();
        buffer.clear();
        int n = tls == null ? channel.read(buffer) : tls.read(buffer);
        if (n < 0) {
            onEof();
            return;
        }
        if (n == 0) {
            return;
        }
        buffer.flip();
        worker.received(n);
        int expected = (int) Math.min(n, sentBytes - receivedBytes);
        if (expected < n) {
            worker.extra(n - expected);
            buffer.limit(expected);
        }
        long bad = DataPattern.countMismatches(worker.pattern(), buffer, receivedBytes, seed);
        if (bad > 0) {
            worker.corrupt(bad);
        }
        long before = receivedBytes;
        receivedBytes += expected;
        for (long k = before / size; (k + 1) * size <= receivedBytes; k++) {
            worker.messageEchoed(now - startOf(k));
        }
        if (mode == LoadMode.CHURN && receivedBytes >= size) {
            closeChannel();
            worker.closedOpen();
            if (stopped) {
                done();
            } else {
                worker.reconnect(this);
            }
            return;
        }
        if (stopped) {
            pump(now);
            finishIfDrained();
        } else if (mode != LoadMode.RATE) {
            pump(now);
        }
    }

    private void onEof() {
        if (stopped && receivedBytes >= sentBytes) {
            closeChannel();
            worker.closedOpen();
            done();
        } else {
            fail(ErrorCause.EOF);
        }
    }

    /** Writes until the mode's limit is reached or the socket is full. */
    private void pump(long now) throws IOException {
        long limit = sendLimit(now);
        ByteBuffer view = worker.pattern();
        while (sentBytes < limit) {
            int want = (int) Math.min(limit - sentBytes, DataPattern.LENGTH);
            // rate: the send time is the moment the write is issued (lateness is the generator's
            // own delay; the write itself runs the loopback stack and belongs to the latency)
            long issuedNanos = mode == LoadMode.RATE ? System.nanoTime() : now;
            ByteBuffer next = DataPattern.select(view, sentBytes, seed, want);
            int wrote = tls == null ? channel.write(next) : tls.write(next);
            if (wrote > 0) {
                noteStarts(sentBytes, sentBytes + wrote, issuedNanos);
                sentBytes += wrote;
                worker.sent(wrote);
            }
            if (wrote < want) {
                writeInterest(true);
                return;
            }
        }
        writeInterest(tls != null && tls.wantsWrite());
    }

    private long sendLimit(long now) {
        long limit = switch (mode) {
            case PINGPONG -> (receivedBytes / size + 1) * size;
            case CHURN -> size;
            case STREAM -> receivedBytes + windowBytes;
            case RATE -> (scheduledMessages >= 0 ? scheduledMessages : dueMessages(now)) * size;
        };
        if (stopped && mode != LoadMode.RATE) { // rate: the messages due before the stop are still sent
            long endOfCurrentMessage = (sentBytes + size - 1) / size * size;
            limit = Math.min(limit, endOfCurrentMessage);
        }
        return limit;
    }

    /** Rate mode: how many messages are due at {@code now}, i.e. whose intended send time is not after it. */
    long dueMessages(long now) {
        long since = now - firstIntendedNanos;
        if (since < 0) {
            return 0;
        }
        long due = (long) (since / periodNanos) + 1;
        // the division and intendedNanos round differently: agree with intendedNanos, or the next due time may be now
        while (intendedNanos(due) - now <= 0) {
            due++;
        }
        while (due > 0 && intendedNanos(due - 1) - now > 0) {
            due--;
        }
        return due;
    }

    long intendedNanos(long k) {
        return firstIntendedNanos + (long) (k * periodNanos);
    }

    private void noteStarts(long from, long to, long now) {
        if (mode == LoadMode.RATE) {
            for (long k = (from + size - 1) / size; k * size < to; k++) {
                sentMessages++;
                worker.messageSent(now - startOf(k));
            }
            return;
        }
        for (long k = (from + size - 1) / size; k * size < to; k++) {
            startNanos[(int) (k % startNanos.length)] = now;
        }
    }

    private long startOf(long k) {
        if (mode == LoadMode.RATE) {
            return intendedNanos(k);
        }
        return startNanos[(int) (k % startNanos.length)];
    }

    private void finishIfDrained() {
        if (state == State.OPEN && receivedBytes >= sentBytes && sentBytes % size == 0
                && (mode != LoadMode.RATE || sentMessages >= scheduledMessages)) {
            closeChannel();
            worker.closedOpen();
            done();
        }
    }

    private void writeInterest(boolean on) {
        if (on != writeInterest) {
            writeInterest = on;
            key.interestOps(on ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ);
        }
    }

    private void fail(ErrorCause cause) {
        worker.error(cause);
        long now = System.nanoTime();
        if (rateStarted) {
            countScheduled(Math.min(now, worker.stopAtNanos() - 1));
        }
        if (isConnecting()) {
            worker.connectEnded();
        } else if (state == State.OPEN) {
            worker.closedOpen();
        }
        closeChannel();
        if (mode == LoadMode.CHURN && !stopped) {
            retryDelayNanos = retryDelayNanos == 0 ? FIRST_RETRY_DELAY_NANOS
                    : Math.min(2 * retryDelayNanos, MAX_RETRY_DELAY_NANOS);
            retryAtNanos = now + retryDelayNanos;
            worker.retryLater(this);
        } else {
            done();
        }
    }

    private void done() {
        state = State.DONE;
        worker.finished();
    }

    private void closeChannel() {
        if (tls != null) {
            if (state == State.OPEN) {
                tls.closeOutbound(); // close_notify before the FIN, so the server sees eof, not truncation
            }
            tls = null;
        }
        if (state != State.DONE && state != State.IDLE) {
            state = State.IDLE;
        }
        if (key != null) {
            key.cancel();
        }
        try {
            if (channel != null) {
                channel.close();
            }
        } catch (IOException e) {
            worker.error(ErrorCause.of(e));
        }
    }
}
