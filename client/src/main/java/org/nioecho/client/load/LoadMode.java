package org.nioecho.client.load;

import java.util.Locale;

/** How {@code load} drives each connection. */
public enum LoadMode {
    /** Closed loop: send one message, wait for its whole echo, send the next. */
    PINGPONG,
    /** Pipelined: keep up to a window of bytes outstanding (sent, not yet echoed). */
    STREAM,
    /** Open loop: messages at a fixed rate per connection; latency from the intended send time. */
    RATE,
    /** Connection churn: connect, echo one message, close, repeat. */
    CHURN;

    /** The name in options and JSON: {@code pingpong}, {@code stream}, {@code rate}, {@code churn}. */
    public String jsonName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
