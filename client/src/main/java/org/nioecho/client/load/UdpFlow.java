package org.nioecho.client.load;

import java.nio.channels.DatagramChannel;
import java.util.BitSet;

/**
 * One {@code load --udp} flow: a connected datagram socket, its next sequence number and
 * what came back. A sequence seen before is a duplicate; a new one below the highest seen
 * arrived out of order (reordered); what was sent and never came back by the end is lost.
 * Owned by one {@link UdpLoadWorker} thread; plain fields.
 */
final class UdpFlow {
    final int id;
    /** Where the flow's payloads start in the {@link DataPattern} stream. */
    final long seed;
    final DatagramChannel channel;
    /** The sequence numbers that came back (each once, however often it arrived). */
    private final BitSet received = new BitSet();

    /** Datagrams sent: also the next sequence number. */
    long sent;
    long distinctReceived;
    long highestSeen = -1;
    long duplicated;
    long reordered;
    /** pingpong: datagrams given up after the per-datagram timeout (counted as lost unless they come later). */
    long timedOut;
    /** pingpong: the sequence awaited, or -1; and when to give up waiting. */
    long awaiting = -1;
    long awaitDeadlineNanos;
    /** rate: the first send's intended time, and the next one's. */
    long firstDueNanos;
    long nextDueNanos;
    /** The flow failed (e.g. ICMP port unreachable) and sends no more. */
    boolean failed;

    UdpFlow(int id, long seed, DatagramChannel channel) {
        this.id = id;
        this.seed = seed;
        this.channel = channel;
    }

    /** Records that {@code sequence} came back; returns false if it had come back before (a duplicate). */
    boolean arrived(long sequence) {
        if (received.get((int) sequence)) {
            duplicated++;
            return false;
        }
        received.set((int) sequence);
        distinctReceived++;
        if (sequence < highestSeen) {
            reordered++;
        } else {
            highestSeen = sequence;
        }
        return true;
    }

    /** Sent and not (yet) come back. */
    long owed() {
        return sent - distinctReceived;
    }
}
