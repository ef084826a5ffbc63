package org.nioecho.client.load;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;

/**
 * The bytes {@code load} sends: a random pattern of {@link #LENGTH} bytes repeated forever,
 * each connection starting at its own offset. Byte {@code i} of a connection's stream is
 * {@code pattern[(i + seed) % LENGTH]}, so sending needs no copying and every echoed byte can
 * be checked ({@link ByteBuffer#mismatch}, vectorised) without remembering what was sent.
 */
final class DataPattern {
    /** A prime, so message boundaries wander across the pattern. */
    static final int LENGTH = 65_521;

    private final ByteBuffer twice;

    DataPattern(long seed) {
        byte[] bytes = new byte[LENGTH];
        new SplittableRandom(seed).nextBytes(bytes);
        ByteBuffer buffer = ByteBuffer.allocateDirect(2 * LENGTH);
        buffer.put(bytes).put(bytes).flip();
        twice = buffer.asReadOnlyBuffer();
    }

    /** A view for one thread: its position and limit are that thread's own. */
    ByteBuffer view() {
        return twice.duplicate();
    }

    /** Sets {@code view} to the next at most {@code maxBytes} (at most LENGTH) bytes of the stream from {@code offset}. */
    static ByteBuffer select(ByteBuffer view, long offset, long seed, int maxBytes) {
        int start = (int) ((offset + seed) % LENGTH);
        view.limit(start + Math.min(maxBytes, LENGTH)).position(start);
        return view;
    }

    /**
     * Compares {@code received} (position to limit) with the stream from {@code offset};
     * returns how many bytes differ. Leaves {@code received}'s position and limit as they were.
     */
    static long countMismatches(ByteBuffer view, ByteBuffer received, long offset, long seed) {
        int from = received.position();
        int to = received.limit();
        long bad = 0;
        int at = from;
        while (at < to) {
            int n = Math.min(to - at, LENGTH);
            received.limit(at + n).position(at);
            ByteBuffer expected = select(view, offset + (at - from), seed, n);
            if (received.mismatch(expected) >= 0) {
                for (int i = 0; i < n; i++) {
                    if (received.get(at + i) != expected.get(expected.position() + i)) {
                        bad++;
                    }
                }
            }
            at += n;
        }
        received.limit(to).position(from);
        return bad;
    }
}
