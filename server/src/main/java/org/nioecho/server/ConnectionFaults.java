package org.nioecho.server;

import java.util.List;
import java.util.SplittableRandom;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;

/**
 * The faults one connection drew and their state, in byte counts since accept: how much
 * may be read ({@link #readAllowance}), how much of what is owed may be written now
 * ({@link #writeAllowance}), when that changes ({@link #nextReleaseNanos}), and how the
 * connection ends ({@link #endingDue}, {@link #timedEndDue}). Holding bytes back never
 * holds more memory: they wait in the connection's output buffer, within the high-water
 * mark and the output budget. Reactor thread only; a connection without faults has none.
 *
 * <p>Combined faults: the reads stop at the earliest byte point of reset/close/limit/stall,
 * the earliest timed point wins, and each of latency, bandwidth and slice may only delay
 * writes further (the allowance is the least of theirs).
 */
final class ConnectionFaults {
    /** Latency marks kept at most: more pending reads pause reading until marks are released. */
    static final int MAX_MARKS = 64;
    /** The bandwidth bucket holds at least this many bytes (or a tenth of a second's worth). */
    static final long MIN_BURST_BYTES = 4096;
    private static final long NANOS_PER_SECOND = TimeUnit.SECONDS.toNanos(1);
    private static final long MIN_WAKE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final String description;
    private final SplittableRandom random;
    private final boolean blackhole;
    // Endings: by bytes echoed, or by time since accept.
    private final FaultKind byteEnding;
    private final long endAfterBytes;
    private final FaultKind timedEnding;
    private final long endAtNanos;
    // latency
    private final long latencyNanos;
    private final long jitterNanos;
    private final long[] markAtNanos;
    private final long[] markEndBytes;
    private int markHead;
    private int markCount;
    private long lastMarkAtNanos = Long.MIN_VALUE;
    private long releasedBytes; // latency: bytes whose hold has ended
    // bandwidth
    private final long rateBytesPerSecond;
    private final long burstBytes;
    private double tokens;
    private long refilledAtNanos;
    // slice
    private final int sliceMinBytes;
    private final int sliceMaxBytes;
    private final long sliceDelayNanos;
    private long nextSliceAtNanos;
    private long pieceLeftBytes;

    private long readBytes;
    private long sentBytes;
    private boolean stalled;
    private boolean lifted;
    private boolean timedEndDone;
    private boolean finSwallowed;

    ConnectionFaults(List<FaultSpec> specs, long acceptedAtNanos, SplittableRandom random) {
        this.random = random;
        StringJoiner text = new StringJoiner(" ");
        boolean hole = false;
        FaultKind byKind = null;
        long afterBytes = Long.MAX_VALUE;
        FaultKind timedKind = null;
        long afterNanos = Long.MAX_VALUE;
        long delay = 0;
        long jitter = 0;
        boolean latency = false;
        long rate = 0;
        int sliceMin = 0;
        int sliceMax = 0;
        long sliceDelay = 0;
        for (FaultSpec spec : specs) {
            text.add(spec.text());
            switch (spec.kind()) {
                case RESET, CLOSE, STALL -> {
                    if (spec.afterBytes() >= 0 && spec.afterBytes() < afterBytes) {
                        afterBytes = spec.afterBytes();
                        byKind = spec.kind();
                    } else if (spec.afterNanos() >= 0 && spec.afterNanos() < afterNanos) {
                        afterNanos = spec.afterNanos();
                        timedKind = spec.kind();
                    }
                }
                case LIMIT -> {
                    if (spec.limitBytes() < afterBytes) {
                        afterBytes = Math.max(0, spec.limitBytes());
                        byKind = FaultKind.LIMIT;
                    }
                }
                case BLACKHOLE -> hole = true;
                case LATENCY -> {
                    latency = true;
                    delay = Math.max(0, spec.delayNanos());
                    jitter = Math.max(0, Math.min(spec.jitterNanos(), delay));
                }
                case BANDWIDTH -> rate = Math.max(1, spec.rateBytesPerSecond());
                case SLICE -> {
                    sliceMin = Math.max(1, spec.sliceMinBytes());
                    sliceMax = Math.max(sliceMin, spec.sliceMaxBytes());
                    sliceDelay = Math.max(0, spec.delayNanos());
                }
            }
        }
        this.description = text.toString();
        this.blackhole = hole;
        this.byteEnding = byKind;
        this.endAfterBytes = afterBytes;
        this.timedEnding = timedKind;
        this.endAtNanos = timedKind == null ? Long.MAX_VALUE : acceptedAtNanos + afterNanos;
        this.latencyNanos = delay;
        this.jitterNanos = jitter;
        this.markAtNanos = latency ? new long[MAX_MARKS] : null;
        this.markEndBytes = latency ? new long[MAX_MARKS] : null;
        this.rateBytesPerSecond = rate;
        this.burstBytes = rate == 0 ? 0 : Math.max(rate / 10, MIN_BURST_BYTES);
        this.tokens = burstBytes;
        this.refilledAtNanos = acceptedAtNanos;
        this.sliceMinBytes = sliceMin;
        this.sliceMaxBytes = sliceMax;
        this.sliceDelayNanos = sliceDelay;
        this.nextSliceAtNanos = acceptedAtNanos;
    }

    /** The specs as written, e.g. {@code latency:delay=1s reset:after=1KiB}. */
    String description() {
        return description;
    }

    /** Read everything, echo nothing. */
    boolean blackhole() {
        return blackhole && !lifted;
    }

    /** Stopped reading and echoing for good (until shutdown lifts it). */
    boolean stalled() {
        return stalled && !lifted;
    }

    /** The most the next read may take: 0 once the byte ending is read, stalled, or the latency marks are full. */
    long readAllowance() {
        if (lifted) {
            return Long.MAX_VALUE;
        }
        if (blackhole) {
            return finSwallowed ? 0 : Long.MAX_VALUE;
        }
        if (stalled || (markAtNanos != null && markCount == MAX_MARKS)) {
            return 0;
        }
        return endAfterBytes == Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(0, endAfterBytes - readBytes);
    }

    /** {@code bytes} were read at {@code nowNanos} into the output buffer. */
    void onRead(int bytes, long nowNanos) {
        readBytes += bytes;
        if (markAtNanos == null) {
            return;
        }
        long hold = latencyNanos;
        if (jitterNanos > 0) {
            hold += random.nextLong(-jitterNanos, jitterNanos + 1);
        }
        long at = nowNanos + hold;
        if (lastMarkAtNanos != Long.MIN_VALUE && at - lastMarkAtNanos < 0) {
            at = lastMarkAtNanos; // in order: never before the bytes read earlier
        }
        lastMarkAtNanos = at;
        int tail = (markHead + markCount) % MAX_MARKS;
        markAtNanos[tail] = at;
        markEndBytes[tail] = readBytes;
        markCount++;
    }

    /** Of {@code owedBytes}, how many may be written at {@code nowNanos}. */
    long writeAllowance(long nowNanos, long owedBytes) {
        if (lifted) {
            return owedBytes;
        }
        if (stalled || blackhole) {
            return 0;
        }
        long allowed = owedBytes;
        if (markAtNanos != null) {
            while (markCount > 0 && nowNanos - markAtNanos[markHead] >= 0) {
                releasedBytes = markEndBytes[markHead];
                markHead = (markHead + 1) % MAX_MARKS;
                markCount--;
            }
            allowed = Math.min(allowed, releasedBytes - sentBytes);
        }
        if (rateBytesPerSecond > 0) {
            refill(nowNanos);
            allowed = Math.min(allowed, (long) tokens);
        }
        if (sliceMinBytes > 0) {
            if (nowNanos - nextSliceAtNanos < 0) {
                return 0;
            }
            if (pieceLeftBytes == 0) {
                pieceLeftBytes = sliceMinBytes == sliceMaxBytes ? sliceMinBytes : random.nextInt(sliceMinBytes, sliceMaxBytes + 1);
            }
            allowed = Math.min(allowed, pieceLeftBytes);
        }
        return Math.max(0, allowed);
    }

    private void refill(long nowNanos) {
        long elapsed = nowNanos - refilledAtNanos;
        if (elapsed > 0) {
            tokens = Math.min(burstBytes, tokens + (double) elapsed * rateBytesPerSecond / NANOS_PER_SECOND);
            refilledAtNanos = nowNanos;
        }
    }

    /** {@code bytes} were written at {@code nowNanos}. */
    void onWritten(int bytes, long nowNanos) {
        sentBytes += bytes;
        if (lifted) {
            return;
        }
        if (rateBytesPerSecond > 0) {
            tokens -= bytes;
        }
        if (sliceMinBytes > 0) {
            pieceLeftBytes -= bytes;
            if (pieceLeftBytes <= 0) {
                pieceLeftBytes = 0;
                nextSliceAtNanos = nowNanos + sliceDelayNanos;
            }
        }
    }

    /**
     * When the allowance may grow for bytes still owed: the latest of the times at which each
     * holding fault lets more through; {@link Long#MAX_VALUE} if nothing will (stalled, blackhole).
     */
    long nextReleaseNanos(long nowNanos, long owedBytes) {
        if (lifted || owedBytes == 0) {
            return Long.MAX_VALUE;
        }
        if (stalled || blackhole) {
            return Long.MAX_VALUE;
        }
        long at = nowNanos + MIN_WAKE_NANOS;
        if (markAtNanos != null && releasedBytes - sentBytes <= 0 && markCount > 0) {
            at = later(at, markAtNanos[markHead]);
        }
        if (rateBytesPerSecond > 0 && tokens < 1) {
            long wanted = Math.min(owedBytes, Math.max(1, burstBytes / 4));
            at = later(at, nowNanos + (long) Math.ceil((wanted - tokens) * NANOS_PER_SECOND / rateBytesPerSecond));
        }
        if (sliceMinBytes > 0 && nowNanos - nextSliceAtNanos < 0) {
            at = later(at, nextSliceAtNanos);
        }
        return at;
    }

    private static long later(long a, long b) {
        return a - b >= 0 ? a : b;
    }

    /** The byte ending (reset, close, limit or stall) is due: its bytes are all echoed. */
    FaultKind endingDue() {
        if (lifted || byteEnding == null || stalled || sentBytes < endAfterBytes) {
            return null;
        }
        return byteEnding;
    }

    /** The timed ending, if its time has come (once). */
    FaultKind timedEndDue(long nowNanos) {
        if (lifted || timedEnding == null || timedEndDone || nowNanos - endAtNanos < 0) {
            return null;
        }
        timedEndDone = true;
        return timedEnding;
    }

    /** The timed ending's deadline while it is pending, else {@link Long#MAX_VALUE}. */
    long timedEndAtNanos() {
        return lifted || timedEnding == null || timedEndDone ? Long.MAX_VALUE : endAtNanos;
    }

    /** A blackhole read the peer's FIN and ignores it: nothing more to read. */
    void swallowFin() {
        finSwallowed = true;
    }

    void stall() {
        stalled = true;
    }

    /** Shutdown: every fault stops holding bytes back, so that the drain sends what is owed. */
    void lift() {
        lifted = true;
    }

    /** The fault a log line names, e.g. {@code reset:after=1KiB}. */
    String specOf(FaultKind kind) {
        return kind.tag() + " (" + description + ")";
    }
}
