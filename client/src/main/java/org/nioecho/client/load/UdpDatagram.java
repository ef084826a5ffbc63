package org.nioecho.client.load;

import java.nio.ByteBuffer;

/**
 * The layout of a {@code load --udp} datagram: a {@value #HEADER_BYTES}-byte header, then a
 * payload derived from the flow and the sequence number, so every byte can be checked on its
 * return without remembering what was sent.
 *
 * <pre>
 *  0  int  flow id           the flow (one socket) that sent it
 *  4  long sequence          0, 1, 2, ... per flow
 * 12  long sent nanos        System.nanoTime() of the (intended) send
 * 20  int  check             a hash of the 20 bytes before it: a damaged header is detected
 * 24  payload                DataPattern bytes from offset sequence * payload length, the flow's seed
 * </pre>
 */
final class UdpDatagram {
    static final int HEADER_BYTES = 24;
    /** The largest UDP payload over IPv4: 65,535 - 20 (IP header) - 8 (UDP header). */
    static final int MAX_BYTES = 65_507;

    private UdpDatagram() {
    }

    /** Writes the header of datagram {@code sequence} of {@code flowId} into {@code header} (cleared, then flipped). */
    static ByteBuffer header(ByteBuffer header, int flowId, long sequence, long sentNanos) {
        header.clear();
        header.putInt(flowId).putLong(sequence).putLong(sentNanos).putInt(check(flowId, sequence, sentNanos));
        return header.flip();
    }

    /** The payload's offset in the flow's pattern stream. */
    static long payloadOffset(long sequence, int sizeBytes) {
        return sequence * (sizeBytes - HEADER_BYTES);
    }

    /** Whether the header at the start of {@code datagram} (absolute positions 0..23) is intact. */
    static boolean headerIntact(ByteBuffer datagram) {
        return datagram.limit() >= HEADER_BYTES
                && datagram.getInt(20) == check(flowId(datagram), sequence(datagram), sentNanos(datagram));
    }

    static int flowId(ByteBuffer datagram) {
        return datagram.getInt(0);
    }

    static long sequence(ByteBuffer datagram) {
        return datagram.getLong(4);
    }

    static long sentNanos(ByteBuffer datagram) {
        return datagram.getLong(12);
    }

    /** A 32-bit mix of the header fields (the finaliser of MurmurHash3's 64-bit variant). */
    static int check(int flowId, long sequence, long sentNanos) {
        long h = flowId * 0x9E3779B97F4A7C15L ^ sequence * 0xC2B2AE3D27D4EB4FL ^ sentNanos * 0x165667B19E3779F9L;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return (int) h ^ (int) (h >>> 32);
    }
}
