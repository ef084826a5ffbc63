package org.nioecho.server;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

/**
 * Turns a ready listening key into connections: at most {@code acceptsPerTurn} per turn
 * (fairness). When descriptors run out (EMFILE/ENFILE) it stops accepting for
 * {@code acceptBackoff} instead of spinning, logs once per episode, and resumes on its own;
 * the listening socket is never closed because an accept failed. A connection reset
 * before or right after accept is counted and skipped.
 */
final class Acceptor implements ChannelHandler {
    private static final System.Logger LOG = System.getLogger(Acceptor.class.getName());
    private final Reactor reactor;
    private final ServerSocketChannel listener;
    private final int acceptsPerTurn;
    private final long backoffNanos;
    private SelectionKey key;
    private long resumeAtNanos = Long.MAX_VALUE;
    private boolean pausedByRequest;
    private long failedInEpisode;
    private boolean leaveOpen;
    private final boolean tls;

    /** Accepts on {@code listener}; its connections speak TLS when {@code tls}. */
    Acceptor(Reactor reactor, ServerSocketChannel listener, boolean tls) {
        this.reactor = reactor;
        this.listener = listener;
        this.tls = tls;
        this.acceptsPerTurn = reactor.config().acceptsPerTurn();
        this.backoffNanos = reactor.config().acceptBackoff().toNanos();
    }

    void register(Selector selector) throws IOException {
        key = listener.register(selector, SelectionKey.OP_ACCEPT, this);
    }

    @Override
    public void ready(SelectionKey readyKey) {
        for (int i = 0; i < acceptsPerTurn && key.isValid() && resumeAtNanos == Long.MAX_VALUE; i++) {
            SocketChannel channel;
            try {
                channel = listener.accept();
            } catch (IOException e) {
                onAcceptFailure(e);
                continue;
            }
            if (channel == null) {
                return;
            }
            if (failedInEpisode > 0) {
                LOG.log(Level.INFO, "accepting again after " + failedInEpisode + " failed accepts");
                failedInEpisode = 0;
            }
            try {
                reactor.adopt(channel, tls);
            } catch (IOException e) {
                onSetupFailure(channel, e);
            }
        }
    }

    private void onAcceptFailure(IOException failure) {
        AcceptError reason = AcceptError.of(failure);
        reactor.metrics().countAcceptError(reason);
        if (reason == AcceptError.ABORTED) {
            LOG.log(Level.DEBUG, "accept: connection aborted before accept (" + failure.getMessage() + ")");
            return;
        }
        if (failedInEpisode++ == 0) {
            long backoffMs = TimeUnit.NANOSECONDS.toMillis(backoffNanos);
            if (reason == AcceptError.TOO_MANY_OPEN_FILES) {
                LOG.log(Level.WARNING, "accept paused: " + failure.getMessage() + " (EMFILE/ENFILE); retrying every "
                        + backoffMs + " ms until descriptors free up");
            } else {
                LOG.log(Level.ERROR, "accept failed; retrying every " + backoffMs + " ms", failure);
            }
        }
        resumeAtNanos = System.nanoTime() + backoffNanos;
        updateInterest();
    }

    private void onSetupFailure(SocketChannel channel, IOException failure) {
        setupFailed(reactor.metrics(), channel, failure);
    }

    /** Counts, closes and logs a channel whose setup failed (here, or on the reactor it was handed to). */
    static void setupFailed(ServerMetrics metrics, SocketChannel channel, IOException failure) {
        AcceptError reason = AcceptError.of(failure);
        metrics.countAcceptError(reason);
        try {
            channel.close();
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
        if (reason == AcceptError.ABORTED) {
            LOG.log(Level.DEBUG, "accept: connection reset right after accept (" + failure.getMessage() + ")");
        } else {
            LOG.log(Level.ERROR, "setting up an accepted connection failed", failure);
        }
    }

    /** Closes a channel nobody will serve; a failure to close is logged. */
    static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            LOG.log(Level.ERROR, "closing an unserved channel failed", e);
        }
    }

    /** Ends a back-off once its time has come. */
    void onTimer(long nowNanos) {
        if (resumeAtNanos != Long.MAX_VALUE && nowNanos - resumeAtNanos >= 0) {
            resumeAtNanos = Long.MAX_VALUE;
            updateInterest();
        }
    }

    /** When the current back-off ends, or {@link Long#MAX_VALUE} if none is running. */
    long resumeAtNanos() {
        return resumeAtNanos;
    }

    /** Stops accepting until {@link #resumeByRequest()} (tests and scenarios). */
    void pauseByRequest() {
        pausedByRequest = true;
        updateInterest();
    }

    void resumeByRequest() {
        pausedByRequest = false;
        updateInterest();
    }

    /** Whether the listening key asks for accepts now (not paused by request nor backing off); for tests in this package. */
    boolean accepting() {
        return key.isValid() && key.interestOps() == SelectionKey.OP_ACCEPT;
    }

    private void updateInterest() {
        if (key != null && key.isValid()) {
            boolean accepting = !pausedByRequest && resumeAtNanos == Long.MAX_VALUE;
            key.interestOps(accepting ? SelectionKey.OP_ACCEPT : 0);
        }
    }

    /**
     * Stop accepting at shutdown but leave the listening socket open: an inherited one, whose
     * close would point the process's standard streams at /dev/null (the JDK's
     * {@code InheritedChannel} does that) before the summary is written. The super-server holds
     * that socket anyway; this process's copy closes when it exits.
     */
    void leaveOpen() {
        leaveOpen = true;
    }

    @Override
    public void close(CloseCause cause) {
        if (key != null) {
            key.cancel();
        }
        if (leaveOpen) {
            return;
        }
        try {
            listener.close();
        } catch (IOException e) {
            LOG.log(Level.ERROR, "closing the listening socket failed", e);
        }
    }

    /** Stops listening (shutdown). */
    void close() {
        close(CloseCause.SHUTDOWN);
    }

    @Override
    public String toString() {
        return "acceptor";
    }
}
