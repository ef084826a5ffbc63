package org.nioecho.server;

/**
 * A peer's connection as the reactor sees it beyond its key: swept for the idle and write
 * timeouts, drained at shutdown, woken when output memory frees, and fired by the
 * {@link TimerQueue}. The plain echo ({@link Connection}) and TLS ({@link TlsConnection}).
 * Reactor thread only.
 */
interface PeerConnection extends ChannelHandler {
    /** Closes with {@code idle} if no input came for {@code idleTimeoutNanos}. */
    void closeIfIdle(long nowNanos, long idleTimeoutNanos);

    /** Closes with {@code write.timeout} if it owes bytes the peer took none of for {@code writeTimeoutNanos}. */
    void closeIfWriteStalled(long nowNanos, long writeTimeoutNanos);

    /** Stops reading and closes once what is owed is sent. */
    void beginShutdown();

    /** The bytes of output budget it waits for (valid while paused for the budget). */
    int budgetNeedBytes();

    /** Output memory freed: read again. */
    void resumeAfterBudget();

    boolean isClosed();

    /** Whether the timer entry for {@code atNanos} is still the one it armed. */
    boolean timerArmedAt(long atNanos);

    /** A timer entry came due. */
    void timerDue(long atNanos, long nowNanos);
}
