package org.nioecho.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** Size classes of the output buffers and the budget they share (no sockets: the pool is plain bookkeeping). */
class BufferPoolTest {
    private static final int KIB = 1024;

    @Test
    void classesDoubleFrom4KiBUpToTheHighWaterMark() {
        BufferPool pool = new BufferPool(64 * KIB, 1 << 20, 4, new ServerMetrics());
        assertEquals(4 * KIB, pool.smallestClassBytes());
        assertEquals(4 * KIB, pool.classFor(1));
        assertEquals(4 * KIB, pool.classFor(4 * KIB));
        assertEquals(8 * KIB, pool.classFor(4 * KIB + 1));
        assertEquals(32 * KIB, pool.classFor(32 * KIB));
        assertEquals(64 * KIB, pool.classFor(32 * KIB + 1));
        assertEquals(64 * KIB, pool.classFor(1 << 20), "never above the high-water mark");
        assertEquals(8 * KIB, pool.nextClass(4 * KIB));
        assertEquals(64 * KIB, pool.nextClass(32 * KIB));
        assertEquals(64 * KIB, pool.nextClass(64 * KIB), "the largest class has no next");
        assertEquals(0, pool.largestClassAtMost(4 * KIB - 1));
        assertEquals(4 * KIB, pool.largestClassAtMost(4 * KIB));
        assertEquals(4 * KIB, pool.largestClassAtMost(8 * KIB - 1));
        assertEquals(8 * KIB, pool.largestClassAtMost(8 * KIB));
        assertEquals(64 * KIB, pool.largestClassAtMost(1L << 40));
    }

    @Test
    void aHighWaterMarkBetweenClassesIsTheLastClass() {
        BufferPool pool = new BufferPool(10_000, 10_000, 4, new ServerMetrics());
        assertEquals(4096, pool.classFor(4096));
        assertEquals(8192, pool.classFor(4097));
        assertEquals(10_000, pool.classFor(8193));
        assertEquals(10_000, pool.nextClass(8192));
        assertEquals(10_000, pool.acquire(10_000).capacity());
        assertThrows(IllegalArgumentException.class, () -> pool.acquire(16_384), "16 KiB is not a class here");
    }

    @Test
    void aHighWaterMarkBelow4KiBIsTheOnlyClass() {
        BufferPool pool = new BufferPool(1000, 1000, 4, new ServerMetrics());
        assertEquals(1000, pool.smallestClassBytes());
        assertEquals(1000, pool.classFor(1));
        assertEquals(1000, pool.classFor(1001));
        assertEquals(1000, pool.nextClass(1000));
        assertEquals(0, pool.largestClassAtMost(999));
        assertEquals(1000, pool.largestClassAtMost(1000));
        assertThrows(IllegalArgumentException.class, () -> pool.acquire(4096));
    }

    @Test
    void theBudgetMustHoldAtLeastOneFullBuffer() {
        assertThrows(IllegalArgumentException.class, () -> new BufferPool(64 * KIB, 64 * KIB - 1, 4, new ServerMetrics()));
        ServerMetrics metrics = new ServerMetrics();
        new BufferPool(64 * KIB, 64 * KIB, 4, metrics);
        assertEquals(64 * KIB, metrics.outputMemoryMaxBytes);
    }

    @Test
    void acquireAndReleaseKeepTheAccountsAndTheMetric() {
        ServerMetrics metrics = new ServerMetrics();
        BufferPool pool = new BufferPool(64 * KIB, 100 * KIB, 4, metrics);
        assertEquals(100 * KIB, pool.availableBytes());
        ByteBuffer small = pool.acquire(4 * KIB);
        ByteBuffer large = pool.acquire(64 * KIB);
        assertEquals(4 * KIB, small.capacity());
        assertTrue(small.isDirect());
        assertEquals(0, small.position(), "fill mode");
        assertEquals(4 * KIB, small.limit(), "fill mode");
        assertEquals(68 * KIB, pool.inUseBytes());
        assertEquals(68 * KIB, metrics.outputMemoryBytes());
        assertEquals(32 * KIB, pool.availableBytes());
        pool.release(large);
        assertEquals(4 * KIB, pool.inUseBytes());
        assertEquals(4 * KIB, metrics.outputMemoryBytes());
        assertEquals(96 * KIB, pool.availableBytes(), "a free buffer kept for reuse counts as available");
        pool.release(small);
        assertEquals(0, pool.inUseBytes());
        assertEquals(0, metrics.outputMemoryBytes());
    }

    @Test
    void aReleasedBufferIsReusedClearedInItsOwnClass() {
        BufferPool pool = new BufferPool(64 * KIB, 1 << 20, 4, new ServerMetrics());
        ByteBuffer first = pool.acquire(8 * KIB);
        first.put(new byte[100]).flip();
        pool.release(first);
        assertNotSame(first, pool.acquire(4 * KIB), "another class allocates");
        ByteBuffer again = pool.acquire(8 * KIB);
        assertSame(first, again);
        assertEquals(0, again.position(), "cleared");
        assertEquals(8 * KIB, again.limit(), "cleared");
        assertEquals(12 * KIB, pool.inUseBytes());
    }

    @Test
    void atMostMaxRetainedFreeBuffersPerClassAreKept() {
        BufferPool pool = new BufferPool(4 * KIB, 1 << 20, 2, new ServerMetrics());
        ByteBuffer a = pool.acquire(4 * KIB);
        ByteBuffer b = pool.acquire(4 * KIB);
        ByteBuffer c = pool.acquire(4 * KIB);
        pool.release(a);
        pool.release(b);
        pool.release(c); // a third free one is dropped
        ByteBuffer first = pool.acquire(4 * KIB);
        ByteBuffer second = pool.acquire(4 * KIB);
        ByteBuffer third = pool.acquire(4 * KIB);
        assertSame(b, first, "the last kept comes back first");
        assertSame(a, second);
        assertTrue(third != a && third != b && third != c, "c was not kept");
    }

    /**
     * Free buffers count against the budget: when a new one would not fit beside them, free
     * ones are dropped (largest class first) instead of going over. The dropped buffers are
     * not handed out again.
     */
    @Test
    void freeBuffersAreDroppedToStayWithinTheBudget() {
        BufferPool pool = new BufferPool(64 * KIB, 96 * KIB, 4, new ServerMetrics());
        ByteBuffer large = pool.acquire(64 * KIB);
        ByteBuffer small = pool.acquire(4 * KIB);
        ByteBuffer mid = pool.acquire(16 * KIB);
        pool.release(large);
        pool.release(small);
        pool.release(mid);
        // held 0, kept 84 KiB: a 32 KiB buffer needs 20 KiB of them dropped: the 64 KiB one goes first
        ByteBuffer fresh = pool.acquire(32 * KIB);
        assertEquals(32 * KIB, fresh.capacity());
        assertSame(small, pool.acquire(4 * KIB), "the small one was kept");
        assertSame(mid, pool.acquire(16 * KIB), "the middle one was kept");
        assertEquals(52 * KIB, pool.inUseBytes());
        assertEquals(44 * KIB, pool.availableBytes());
        pool.release(fresh);
        assertNotSame(large, pool.acquire(64 * KIB), "the large one was dropped");
    }

    @Test
    void droppingStopsAsSoonAsTheNewBufferFits() {
        BufferPool pool = new BufferPool(64 * KIB, 72 * KIB, 4, new ServerMetrics());
        ByteBuffer a = pool.acquire(4 * KIB);
        ByteBuffer b = pool.acquire(4 * KIB);
        ByteBuffer c = pool.acquire(64 * KIB);
        pool.release(c); // kept: 64 KiB, held 8 KiB
        pool.release(a);
        pool.release(b); // kept: 72 KiB, held 0
        // 8 KiB needs 8 KiB freed: dropping the 64 KiB one is enough, both 4 KiB ones stay
        pool.acquire(8 * KIB);
        assertSame(b, pool.acquire(4 * KIB));
        assertSame(a, pool.acquire(4 * KIB));
        assertEquals(16 * KIB, pool.inUseBytes());
    }

    /** The drop reaches the smallest class, and stops at an exact fit: the budget may be used to its last byte. */
    @Test
    void droppingReachesTheSmallestClassAndStopsAtAnExactFit() {
        BufferPool pool = new BufferPool(8 * KIB, 12 * KIB, 4, new ServerMetrics());
        ByteBuffer a = pool.acquire(4 * KIB);
        ByteBuffer b = pool.acquire(4 * KIB);
        ByteBuffer c = pool.acquire(4 * KIB);
        pool.release(a);
        pool.release(b);
        pool.release(c); // kept: 12 KiB, held 0
        pool.acquire(8 * KIB); // 8 KiB beside 12 kept: c and b go, a stays (4 + 8 = 12, exactly the budget)
        assertSame(a, pool.acquire(4 * KIB));
    }

    /** A reused buffer no longer counts as kept: it must not make later buffers drop free ones. */
    @Test
    void aReusedBufferLeavesTheRetainedAccount() {
        BufferPool pool = new BufferPool(8 * KIB, 16 * KIB, 4, new ServerMetrics());
        ByteBuffer a = pool.acquire(4 * KIB);
        pool.release(a);
        assertSame(a, pool.acquire(4 * KIB));
        pool.release(a); // kept: 4 KiB
        pool.acquire(8 * KIB); // 4 + 8 fits 16: nothing to drop
        assertSame(a, pool.acquire(4 * KIB));
    }

    @Test
    void releasingSomethingThatIsNoClassIsRefused() {
        BufferPool pool = new BufferPool(64 * KIB, 1 << 20, 4, new ServerMetrics());
        assertThrows(IllegalArgumentException.class, () -> pool.release(ByteBuffer.allocateDirect(5000)));
    }
}
