package org.nioecho.server;

import java.util.Locale;

/** The ways the server can misbehave on purpose, one per failure of the notes (see {@link FaultSpec}). */
public enum FaultKind {
    /** Echo up to a point, then abort: RST ({@code SO_LINGER 0} + close). */
    RESET,
    /** Echo up to a point, then close with FIN, input unread. */
    CLOSE,
    /** Echo N bytes, then a clean close: FIN after everything owed. */
    LIMIT,
    /** After a point, stop reading and echoing but keep the connection. */
    STALL,
    /** Read everything, echo nothing. */
    BLACKHOLE,
    /** Hold each echo for a delay (plus or minus a jitter). */
    LATENCY,
    /** Cap the echo rate (bytes per second). */
    BANDWIDTH,
    /** Echo in pieces of A to B bytes, a delay apart. */
    SLICE;

    /** The spec and metric tag name: {@code reset}, {@code close}, ... */
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
