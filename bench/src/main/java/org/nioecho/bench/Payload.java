package org.nioecho.bench;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.SplittableRandom;

/** Messages for the benchmarks: random bytes, read fully, compared with what came back. */
final class Payload {
    private Payload() {
    }

    /** A direct buffer of {@code sizeBytes} random bytes (seeded: the same in every run). */
    static ByteBuffer random(int sizeBytes) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(sizeBytes);
        SplittableRandom random = new SplittableRandom(sizeBytes);
        while (buffer.hasRemaining()) {
            buffer.put((byte) random.nextInt());
        }
        return buffer.flip();
    }

    /** Reads until {@code buffer} is full; EOF first is an error. */
    static void readFully(ReadableByteChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                throw new EOFException("the server closed after " + buffer.position() + " of " + buffer.limit() + " bytes");
            }
        }
    }

    /** Throws unless the echo's bytes equal the message's. */
    static void requireEqual(ByteBuffer message, ByteBuffer echo) {
        if (!message.duplicate().clear().equals(echo.duplicate().flip())) {
            throw new IllegalStateException("the echo differs from the message sent");
        }
    }
}
