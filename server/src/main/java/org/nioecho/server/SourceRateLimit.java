package org.nioecho.server;

import java.net.InetAddress;
import java.util.concurrent.TimeUnit;

/**
 * A per-source rate limit in bounded memory: a fixed table of token buckets indexed by a
 * salted hash of the source address ({@code --udp-rate}). Each bucket allows
 * {@code perSecond} datagrams a second with a burst of one second's worth (the generic cell
 * rate algorithm: one long per bucket, the time the bucket is next empty).
 *
 * <p>Sources that hash to the same bucket share it, so a source never gets more than the
 * limit, whatever other sources (spoofed ones included) do; a collision can only make the
 * limit stricter for the sources that share a bucket. The salt is random per table, so a peer
 * cannot aim its spoofed sources at a chosen victim's bucket. Reactor thread only; allocates
 * nothing.
 */
final class SourceRateLimit {
    /** Buckets in the table: 64 KiB of longs, whatever the number of sources. */
    static final int BUCKETS = 8192;

    private final long intervalNanos;
    private final long toleranceNanos;
    private final long originNanos;
    private final int salt;
    private final long[] nextFreeNanos = new long[BUCKETS];

    /**
     * @param perSecond datagrams a second per source, and the burst; positive
     * @param salt      mixes into the hash (random in the server)
     * @param originNanos a {@link System#nanoTime()} reading at or before the first use
     */
    SourceRateLimit(int perSecond, int salt, long originNanos) {
        if (perSecond <= 0) {
            throw new IllegalArgumentException("rate must be positive, got " + perSecond);
        }
        this.intervalNanos = Math.max(1, TimeUnit.SECONDS.toNanos(1) / perSecond);
        this.toleranceNanos = intervalNanos * (perSecond - 1L);
        this.salt = salt;
        this.originNanos = originNanos;
    }

    /** True if a datagram from {@code source} at {@code nowNanos} is within the limit; it then counts. */
    boolean allow(InetAddress source, long nowNanos) {
        int bucket = bucket(source);
        long now = nowNanos - originNanos;
        long nextFree = Math.max(nextFreeNanos[bucket], now);
        if (nextFree - now > toleranceNanos) {
            return false;
        }
        nextFreeNanos[bucket] = nextFree + intervalNanos;
        return true;
    }

    /** The bucket of {@code source}: its hash (no allocation for IPv4 or IPv6), salted and mixed. */
    int bucket(InetAddress source) {
        int h = source.hashCode() ^ salt;
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h & (BUCKETS - 1);
    }
}
