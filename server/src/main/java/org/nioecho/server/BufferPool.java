package org.nioecho.server;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.function.IntFunction;

/**
 * Output buffers for connections that owe bytes, within one global budget
 * ({@code --max-output-memory}), used on the reactor thread only (no lock, no atomic).
 *
 * <p>Buffers come in size classes, 4 KiB doubling up to the high-water mark (4, 8, 16,
 * 32, 64 KiB by default), so a connection holds about what it owes, not the full mark. A
 * connection takes one only when a write leaves bytes behind, moves to a larger class as
 * it owes more, and gives it back as soon as everything is sent. Up to
 * {@code maxRetainedPerClass} free buffers per class are kept for reuse.
 *
 * <p>The budget covers the buffers held by connections and the free ones kept here:
 * {@code inUseBytes + retainedBytes <= budgetBytes} always holds, so the direct memory
 * this pool owns never exceeds the budget. Callers ask {@link #availableBytes()} before
 * they read bytes they might have to keep: {@link #acquire(int)} trusts them.
 */
final class BufferPool {
    /** The smallest size class. */
    static final int SMALLEST_CLASS_BYTES = 4096;

    private final ServerMetrics metrics;
    private final int[] classBytes;
    private final int largestClassBytes;
    private final ArrayDeque<ByteBuffer>[] free;
    private final int maxRetainedPerClass;
    private final long budgetBytes;
    /** Allocates a new buffer: direct memory, or whatever a test puts in ({@link #allocateWith}). */
    private IntFunction<ByteBuffer> allocator = ByteBuffer::allocateDirect;
    private long inUseBytes;
    private long retainedBytes;

    @SuppressWarnings("unchecked")
    BufferPool(int highWaterBytes, long budgetBytes, int maxRetainedPerClass, ServerMetrics metrics) {
        if (budgetBytes < highWaterBytes) {
            throw new IllegalArgumentException("output budget " + budgetBytes + " below the high-water mark " + highWaterBytes);
        }
        this.metrics = metrics;
        this.budgetBytes = budgetBytes;
        this.maxRetainedPerClass = maxRetainedPerClass;
        int count = 1;
        for (long size = Math.min(SMALLEST_CLASS_BYTES, highWaterBytes); size < highWaterBytes; size *= 2) {
            count++;
        }
        this.classBytes = new int[count];
        long size = Math.min(SMALLEST_CLASS_BYTES, highWaterBytes);
        for (int i = 0; i < count; i++) {
            classBytes[i] = (int) Math.min(size, highWaterBytes);
            size *= 2;
        }
        this.largestClassBytes = classBytes[count - 1];
        this.free = new ArrayDeque[count];
        for (int i = 0; i < count; i++) {
            free[i] = new ArrayDeque<>();
        }
        metrics.outputMemoryMaxBytes = budgetBytes;
    }

    /** Budget not held by connections (free buffers kept here count as available: they can be dropped). */
    long availableBytes() {
        return budgetBytes - inUseBytes;
    }

    /** Bytes held by connections now. */
    long inUseBytes() {
        return inUseBytes;
    }

    /** The largest size class of at most {@code bytes}, or 0 if even the smallest is larger. */
    int largestClassAtMost(long bytes) {
        if (bytes >= largestClassBytes) {
            return largestClassBytes; // the usual case, asked before every read: no loop
        }
        int best = 0;
        for (int size : classBytes) {
            if (size > bytes) {
                break;
            }
            best = size;
        }
        return best;
    }

    /** The smallest size class of at least {@code bytes} (at most the high-water mark). */
    int classFor(int bytes) {
        for (int size : classBytes) {
            if (size >= bytes) {
                return size;
            }
        }
        return classBytes[classBytes.length - 1];
    }

    /** The size class after {@code size}, or {@code size} itself if it is the largest. */
    int nextClass(int size) {
        return classFor(size + 1);
    }

    int smallestClassBytes() {
        return classBytes[0];
    }

    /**
     * An empty buffer of {@code size} bytes (a size class), in fill mode. The caller has
     * checked {@code size <= availableBytes()}. Free buffers of other classes are dropped
     * to make room when needed.
     *
     * @throws OutOfMemoryError if the JVM's direct memory is exhausted all the same
     */
    ByteBuffer acquire(int size) {
        int index = indexOf(size);
        ByteBuffer buffer = free[index].pollLast();
        if (buffer != null) {
            retainedBytes -= size;
        } else {
            for (int i = classBytes.length - 1; i >= 0 && inUseBytes + retainedBytes + size > budgetBytes; i--) {
                while (!free[i].isEmpty() && inUseBytes + retainedBytes + size > budgetBytes) {
                    free[i].pollLast();
                    retainedBytes -= classBytes[i];
                }
            }
            buffer = allocator.apply(size);
        }
        inUseBytes += size;
        metrics.outputMemoryBytes = inUseBytes;
        return buffer;
    }

    /**
     * Allocates new buffers with {@code allocator} from now on (reactor thread): for tests of
     * the server running out of direct memory, which the test JVM cannot afford to do for real.
     */
    void allocateWith(IntFunction<ByteBuffer> allocator) {
        this.allocator = allocator;
    }

    void release(ByteBuffer buffer) {
        int size = buffer.capacity();
        int index = indexOf(size);
        inUseBytes -= size;
        metrics.outputMemoryBytes = inUseBytes;
        if (free[index].size() < maxRetainedPerClass) {
            buffer.clear();
            free[index].addLast(buffer);
            retainedBytes += size;
        }
    }

    private int indexOf(int size) {
        for (int i = 0; i < classBytes.length; i++) {
            if (classBytes[i] == size) {
                return i;
            }
        }
        throw new IllegalArgumentException(size + " is not a size class");
    }
}
