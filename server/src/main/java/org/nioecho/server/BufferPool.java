package org.nioecho.server;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * Output buffers for connections that owe bytes, reused on the reactor thread (no lock).
 * A connection takes one only when a write leaves bytes behind and gives it back as soon
 * as they are sent, so an idle or keeping-up connection holds none. At most
 * {@code maxRetained} free buffers are kept; the rest go to the garbage collector.
 */
final class BufferPool {
    private final ArrayDeque<ByteBuffer> free = new ArrayDeque<>();
    private final int bufferBytes;
    private final int maxRetained;

    BufferPool(int bufferBytes, int maxRetained) {
        this.bufferBytes = bufferBytes;
        this.maxRetained = maxRetained;
    }

    /** An empty buffer of {@link #bufferBytes()} bytes, in fill mode. */
    ByteBuffer acquire() {
        ByteBuffer buffer = free.pollLast();
        return buffer != null ? buffer : ByteBuffer.allocateDirect(bufferBytes);
    }

    void release(ByteBuffer buffer) {
        if (free.size() < maxRetained) {
            buffer.clear();
            free.addLast(buffer);
        }
    }

    int bufferBytes() {
        return bufferBytes;
    }
}
