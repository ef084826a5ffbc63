package org.nioecho.client.load;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DataPatternTest {
    private final DataPattern pattern = new DataPattern(7);

    @Test
    void theStreamVerifiesAgainstItselfAcrossThePatternsWrapAround() {
        long seed = 12_345;
        long offset = DataPattern.LENGTH - 1_000; // crosses the end of the pattern
        ByteBuffer received = copyOfStream(offset, seed, 70_000);
        assertEquals(0, DataPattern.countMismatches(pattern.view(), received, offset, seed));
        assertEquals(0, received.position());
        assertEquals(70_000, received.limit());
    }

    @Test
    void countsEveryFlippedByteAndNothingElse() {
        long seed = 99;
        ByteBuffer received = copyOfStream(500, seed, 70_000);
        for (int at : new int[] {0, 1, 65_520, 65_521, 69_999}) {
            received.put(at, (byte) ~received.get(at));
        }
        assertEquals(5, DataPattern.countMismatches(pattern.view(), received, 500, seed));
    }

    @Test
    void anotherOffsetDoesNotVerify() {
        ByteBuffer received = copyOfStream(0, 0, 4096);
        long bad = DataPattern.countMismatches(pattern.view(), received, 1, 0);
        assertEquals(true, bad > 3000, "a shifted stream should mostly mismatch, got " + bad);
    }

    /** The bytes a connection with {@code seed} sends from {@code offset}, as a heap buffer. */
    private ByteBuffer copyOfStream(long offset, long seed, int size) {
        ByteBuffer out = ByteBuffer.allocate(size);
        ByteBuffer view = pattern.view();
        for (long at = offset; out.hasRemaining(); ) {
            ByteBuffer slice = DataPattern.select(view, at, seed, Math.min(out.remaining(), DataPattern.LENGTH));
            at += slice.remaining();
            out.put(slice);
        }
        return out.flip();
    }
}
