package org.nioecho.client.trace;

import org.nioecho.kernel.Errnos;
import org.nioecho.kernel.KernelEvent;
import org.nioecho.kernel.TraceLines;

import java.util.Locale;

/**
 * Kernel events as a person or a program reads them: times in milliseconds since a start,
 * and each socket named by its end, {@code server} when its own port is the traced one,
 * {@code client} otherwise.
 */
public final class EventFormat {
    private final long startNanos;
    private final int serverPort;

    public EventFormat(long startNanos, int serverPort) {
        this.startNanos = startNanos;
        this.serverPort = serverPort;
    }

    /** {@code server} or {@code client}: which end the event's socket is. */
    public String end(KernelEvent event) {
        return event.local().getPort() == serverPort ? "server" : "client";
    }

    /** Milliseconds since the start, to the microsecond. */
    public double ms(KernelEvent event) {
        return (event.monoNanos() - startNanos) / 1e6;
    }

    /** One line, e.g. {@code   12.345 ms  server 127.0.0.1:9877 <-> 127.0.0.1:50338  ESTABLISHED -> CLOSE_WAIT}. */
    public String text(KernelEvent event) {
        return String.format(Locale.ROOT, "%10.3f ms  %-6s %s", ms(event), end(event), event.describe());
    }

    /**
     * One JSON object: {@code type} (transition, reset, reset.received, error, retransmission),
     * {@code ms}, {@code end}, {@code local}, {@code remote}, and per type {@code from}/{@code to},
     * {@code sentBy} and {@code reason}, {@code errno} and {@code error}, or {@code state}.
     */
    public String json(KernelEvent event) {
        StringBuilder json = new StringBuilder(160).append('{');
        field(json, "type", type(event));
        json.append(",\"ms\":").append(String.format(Locale.ROOT, "%.3f", ms(event)));
        json.append(',');
        field(json, "end", end(event));
        json.append(',');
        field(json, "local", TraceLines.format(event.local()));
        json.append(',');
        field(json, "remote", TraceLines.format(event.remote()));
        switch (event.kind()) {
            case STATE -> {
                json.append(',');
                field(json, "from", event.from().name());
                json.append(',');
                field(json, "to", event.to().name());
            }
            case RESET_SENT -> {
                json.append(',');
                field(json, "sentBy", end(event));
                json.append(',');
                field(json, "reason", String.valueOf(event.reason()));
            }
            case ERROR -> {
                json.append(",\"errno\":").append(event.errno()).append(',');
                field(json, "error", Errnos.name(event.errno()));
            }
            case RETRANSMIT -> {
                json.append(',');
                field(json, "state", event.from().name());
            }
            case RESET_RECEIVED -> {
                // nothing more: end says which socket received it
            }
        }
        return json.append('}').toString();
    }

    /** The JSON type name of an event's kind. */
    public static String type(KernelEvent event) {
        return switch (event.kind()) {
            case STATE -> "transition";
            case RESET_SENT -> "reset";
            case RESET_RECEIVED -> "reset.received";
            case ERROR -> "error";
            case RETRANSMIT -> "retransmission";
        };
    }

    /** Values here are addresses, state and errno names: nothing that JSON must escape. */
    private static void field(StringBuilder json, String name, String value) {
        json.append('"').append(name).append("\":\"").append(value).append('"');
    }
}
