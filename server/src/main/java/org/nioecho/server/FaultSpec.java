package org.nioecho.server;

import java.util.Objects;

/**
 * One fault, as {@code --fault SPEC} or a line of {@code PUT /faults} states it, e.g.
 * {@code reset:after=1KiB}, {@code close:after=2s}, {@code limit:bytes=100},
 * {@code stall:after=64KiB}, {@code blackhole}, {@code latency:delay=200ms,jitter=50ms},
 * {@code bandwidth:rate=64KiB}, {@code slice:size=1..16,delay=10ms}, each optionally with
 * {@code probability=P} (0..1, default 1: the share of new connections it applies to).
 *
 * <p>Fields that a kind does not use are 0. A point "after" is either a byte count
 * ({@code afterBytes} &ge; 0, {@code afterNanos} = -1) or a time since accept
 * ({@code afterNanos} &ge; 0, {@code afterBytes} = -1).
 *
 * @param kind               what the server does
 * @param afterBytes         reset/close/stall: after echoing this many bytes; -1 if timed
 * @param afterNanos         reset/close/stall: this long after accept; -1 if by bytes
 * @param limitBytes         limit: bytes echoed before the clean close
 * @param delayNanos         latency: hold each echo this long; slice: time between pieces
 * @param jitterNanos        latency: plus or minus up to this much
 * @param rateBytesPerSecond bandwidth: the echo rate
 * @param sliceMinBytes      slice: smallest piece
 * @param sliceMaxBytes      slice: largest piece
 * @param probability        share of new connections that get this fault, 0..1
 * @param text               the spec as written (for GET /faults and logs)
 */
public record FaultSpec(FaultKind kind, long afterBytes, long afterNanos, long limitBytes, long delayNanos,
                        long jitterNanos, long rateBytesPerSecond, int sliceMinBytes, int sliceMaxBytes,
                        double probability, String text) {
    public FaultSpec {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(text, "text");
        if (!(probability >= 0 && probability <= 1)) {
            throw new IllegalArgumentException("probability must be within 0..1, got " + probability);
        }
    }
}
