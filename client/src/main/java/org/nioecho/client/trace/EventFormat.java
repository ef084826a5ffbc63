package org.nioecho.client.trace;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
    private static final ObjectMapper JSON = new ObjectMapper();
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
     * then the event's {@link #fields fields}.
     */
    public String json(KernelEvent event) {
        ObjectNode json = JSON.createObjectNode();
        json.put("type", type(event));
        return fields(json, event, ms(event), end(event)).toString();
    }

    /**
     * Adds an event's fields to {@code json}, in the terms the trace feed and the scenario
     * JSON share: {@code ms}, {@code end} ({@code sentBy} for an RST sent), {@code local},
     * {@code remote}, and per kind {@code from}/{@code to}, {@code reason}/{@code state},
     * {@code errno}/{@code error}, or {@code state}.
     */
    public static ObjectNode fields(ObjectNode json, KernelEvent event, double ms, String end) {
        json.put("ms", Math.round(ms * 1000) / 1000.0);
        json.put(event.kind() == KernelEvent.Kind.RESET_SENT ? "sentBy" : "end", end);
        json.put("local", TraceLines.format(event.local()));
        json.put("remote", TraceLines.format(event.remote()));
        switch (event.kind()) {
            case STATE -> json.put("from", String.valueOf(event.from())).put("to", String.valueOf(event.to()));
            case RESET_SENT -> json.put("reason", String.valueOf(event.reason())).put("state", String.valueOf(event.from()));
            case ERROR -> json.put("errno", event.errno()).put("error", Errnos.name(event.errno()));
            case RETRANSMIT -> json.put("state", String.valueOf(event.from()));
            case RESET_RECEIVED -> {
                // end says which socket received it
            }
        }
        return json;
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
}
