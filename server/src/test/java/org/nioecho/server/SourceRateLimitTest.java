package org.nioecho.server;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The per-source limit with the clock passed in: burst, refill, separate sources, shared buckets. */
class SourceRateLimitTest {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    private static final long ORIGIN = -5 * SECOND; // System.nanoTime() may be negative

    @Test
    void aBurstOfOneSecondsWorthThenOneDatagramPerInterval() throws Exception {
        SourceRateLimit limit = new SourceRateLimit(4, 12345, ORIGIN);
        InetAddress source = InetAddress.getByName("192.0.2.1");
        long now = ORIGIN + 10 * SECOND;
        for (int i = 0; i < 4; i++) {
            assertTrue(limit.allow(source, now), "burst datagram " + i);
        }
        assertFalse(limit.allow(source, now), "the fifth in the same instant");
        assertFalse(limit.allow(source, now + SECOND / 4 - 1), "just before the next token");
        assertTrue(limit.allow(source, now + SECOND / 4), "a quarter second later: one more");
        assertFalse(limit.allow(source, now + SECOND / 4));
        assertTrue(limit.allow(source, now + 10 * SECOND), "after a quiet spell");
        int allowed = 1;
        while (limit.allow(source, now + 10 * SECOND)) {
            allowed++;
        }
        assertEquals(4, allowed, "a quiet spell refills one burst, not more");
    }

    @Test
    void aDroppedDatagramTakesNoToken() throws Exception {
        SourceRateLimit limit = new SourceRateLimit(1, 7, ORIGIN);
        InetAddress source = InetAddress.getByName("::1");
        assertTrue(limit.allow(source, 0));
        for (int i = 0; i < 1000; i++) {
            assertFalse(limit.allow(source, SECOND / 2));
        }
        assertTrue(limit.allow(source, SECOND), "a flood of refused datagrams does not push the next one back");
    }

    @Test
    void sourcesInOtherBucketsAreNotLimitedByAFloodAndSharedBucketsShareTheLimit() throws Exception {
        SourceRateLimit limit = new SourceRateLimit(2, 99, ORIGIN);
        InetAddress flooder = InetAddress.getByName("198.51.100.7");
        InetAddress other = null;
        InetAddress sharer = null;
        for (int i = 1; i < 65_536 && (other == null || sharer == null); i++) {
            InetAddress candidate = InetAddress.getByAddress(new byte[] {10, 0, (byte) (i >> 8), (byte) i});
            if (limit.bucket(candidate) == limit.bucket(flooder)) {
                sharer = sharer == null ? candidate : sharer;
            } else if (other == null) {
                other = candidate;
            }
        }
        assertNotEquals(null, sharer, "8192 buckets: some of 65,535 addresses share the flooder's");
        assertTrue(limit.allow(flooder, 0));
        assertTrue(limit.allow(flooder, 0));
        assertFalse(limit.allow(flooder, 0));
        assertTrue(limit.allow(other, 0), "another bucket is untouched");
        assertFalse(limit.allow(sharer, 0), "the same bucket: never more than the limit between them");
    }

    @Test
    void theTableIsFixedAndTheSaltMovesTheBuckets() throws Exception {
        InetAddress source = InetAddress.getByName("203.0.113.9");
        int differentBuckets = 0;
        for (int salt = 0; salt < 16; salt++) {
            int bucket = new SourceRateLimit(1, salt, ORIGIN).bucket(source);
            assertTrue(bucket >= 0 && bucket < SourceRateLimit.BUCKETS, "bucket " + bucket);
            if (bucket != new SourceRateLimit(1, 0, ORIGIN).bucket(source)) {
                differentBuckets++;
            }
        }
        assertTrue(differentBuckets >= 12, "the salt decides the bucket: " + differentBuckets + " of 15 moved");
        assertThrows(IllegalArgumentException.class, () -> new SourceRateLimit(0, 1, ORIGIN));
    }

    @Test
    void theHighestRateStillLimits() throws Exception {
        SourceRateLimit limit = new SourceRateLimit(ServerConfig.MAX_UDP_RATE_PER_SECOND, 3, ORIGIN);
        InetAddress source = InetAddress.getByName("127.0.0.1");
        long allowed = 0;
        while (limit.allow(source, 0) && allowed <= ServerConfig.MAX_UDP_RATE_PER_SECOND) {
            allowed++;
        }
        assertEquals(ServerConfig.MAX_UDP_RATE_PER_SECOND, allowed, "one second's worth, no overflow");
    }
}
