package org.nioecho.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;

/**
 * {@code /faults} on the admin port: {@code GET} lists the specs in force (one per line,
 * text/plain), {@code PUT} replaces them with the body's (one spec per line, blank lines and
 * {@code #} comments skipped; all or nothing: a bad line is a 400 with a one-line reason and
 * changes nothing), {@code DELETE} clears them. PUT and DELETE answer with the new list.
 * A change applies to new connections only; the handler touches nothing but
 * {@link FaultPlan#replace}, so no request can hold up the reactor. Bodies above
 * {@value #MAX_BODY_BYTES} bytes get a 413; they are never held in memory.
 */
final class FaultsEndpoint implements HttpHandler {
    /** The largest PUT body read. */
    static final int MAX_BODY_BYTES = 64 * 1024;
    /** The most of a too large body read (and dropped) before the 413, like Tomcat's maxSwallowSize. */
    static final int MAX_SWALLOW_BYTES = 1024 * 1024;
    static final String PATH = "/faults";
    private static final System.Logger LOG = System.getLogger(FaultsEndpoint.class.getName());
    private static final String TEXT = "text/plain; charset=utf-8";

    private final FaultPlan plan;

    FaultsEndpoint(FaultPlan plan) {
        this.plan = Objects.requireNonNull(plan, "plan");
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!PATH.equals(exchange.getRequestURI().getPath())) {
                respond(exchange, 404, "no such resource: use " + PATH + "\n");
                return;
            }
            switch (exchange.getRequestMethod()) {
                case "GET" -> respond(exchange, 200, listing(plan.specs()));
                case "PUT" -> put(exchange);
                case "DELETE" -> {
                    plan.replace(List.of());
                    LOG.log(Level.INFO, "faults cleared by " + Addresses.format(exchange.getRemoteAddress()));
                    respond(exchange, 200, "");
                }
                default -> {
                    exchange.getResponseHeaders().set("Allow", "GET, PUT, DELETE");
                    respond(exchange, 405, exchange.getRequestMethod() + " is not allowed: use GET, PUT or DELETE\n");
                }
            }
        }
    }

    private void put(HttpExchange exchange) throws IOException {
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            if (declaredLength(exchange) > MAX_SWALLOW_BYTES) { // refused unread: the client may see a reset
                respond(exchange, 413, "body too large (at most " + MAX_BODY_BYTES + " bytes)\n");
                return;
            }
            body = in.readNBytes(MAX_BODY_BYTES + 1);
            if (body.length > MAX_BODY_BYTES) {
                swallow(in); // read to its end (bounded), so that closing sends no RST over the answer
                respond(exchange, 413, "body too large (at most " + MAX_BODY_BYTES + " bytes)\n");
                return;
            }
        }
        List<FaultSpec> specs;
        try {
            specs = FaultSpecs.parseLines(new String(body, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            respond(exchange, 400, e.getMessage() + "\n");
            return;
        }
        plan.replace(specs);
        LOG.log(Level.INFO, "faults replaced by " + Addresses.format(exchange.getRemoteAddress()) + ": "
                + (specs.isEmpty() ? "none" : String.join(" ", specs.stream().map(FaultSpec::text).toList())));
        respond(exchange, 200, listing(specs));
    }

    /** Reads and drops the rest of a too large body, up to {@value #MAX_SWALLOW_BYTES} bytes. */
    private static void swallow(InputStream in) throws IOException {
        byte[] scratch = new byte[8192];
        long swallowed = 0;
        int n;
        while (swallowed < MAX_SWALLOW_BYTES && (n = in.read(scratch, 0, scratch.length)) >= 0) {
            swallowed += n;
        }
    }

    /** The Content-Length the client declared; -1 if none (chunked), MAX_VALUE if too long to parse. */
    private static long declaredLength(HttpExchange exchange) {
        String length = exchange.getRequestHeaders().getFirst("Content-Length");
        if (length == null) {
            return -1;
        }
        try {
            return Long.parseLong(length.trim());
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    private static String listing(List<FaultSpec> specs) {
        StringBuilder out = new StringBuilder();
        for (FaultSpec spec : specs) {
            out.append(spec.text()).append('\n');
        }
        return out.toString();
    }

    private static void respond(HttpExchange exchange, int status, String text) throws IOException {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", TEXT);
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }
}
