package org.nioecho.server;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * When a reactor last turned: its thread writes the time once per turn (a release store,
 * a plain {@code mov} on x86: no fence, nothing per message); the admin port's thread reads
 * it to answer {@code /live}. A reactor blocked in a task or a handler stops beating.
 */
final class Heartbeat {
    private static final VarHandle LAST_NANOS;

    static {
        try {
            LAST_NANOS = MethodHandles.lookup().findVarHandle(Heartbeat.class, "lastNanos", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // through LAST_NANOS
    private long lastNanos;

    Heartbeat(long nowNanos) {
        lastNanos = nowNanos;
    }

    /** Records a turn at {@code nowNanos} ({@link System#nanoTime()}); the reactor thread only. */
    void beat(long nowNanos) {
        LAST_NANOS.setRelease(this, nowNanos);
    }

    /** How long ago the last turn was, from any thread. */
    long ageNanos(long nowNanos) {
        return nowNanos - (long) LAST_NANOS.getAcquire(this);
    }
}
