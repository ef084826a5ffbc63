package org.nioecho.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * {@code /ready} and {@code /live} on the admin port, for load balancers and supervisors.
 * <ul>
 * <li>{@code /live}: 200 while the reactor keeps turning, 503 once its heartbeat is older
 *     than {@code liveTimeout} (a handler or task stuck on the reactor thread).</li>
 * <li>{@code /ready}: 200 while the server accepts; 503 from the moment a shutdown (SIGTERM)
 *     begins, before the drain closes any connection, and while {@code /live} is 503.</li>
 * </ul>
 * An idle reactor blocks in {@code select}; while these are served it turns at least every
 * {@link #heartbeatPeriod} so that its heartbeat stays young. GET and HEAD only;
 * {@code text/plain}, never cached.
 */
final class HealthEndpoint implements HttpHandler {
    static final String READY = "/ready";
    static final String LIVE = "/live";
    private static final Duration LONGEST_PERIOD = Duration.ofMillis(500);
    private static final Duration SHORTEST_PERIOD = Duration.ofMillis(10);

    private final EchoServer server;
    private final Duration liveTimeout;

    private HealthEndpoint(EchoServer server, Duration liveTimeout) {
        this.server = Objects.requireNonNull(server, "server");
        this.liveTimeout = Objects.requireNonNull(liveTimeout, "liveTimeout");
    }

    /** Serves {@code /ready} and {@code /live} for {@code server} on {@code admin}, and starts the idle beat. */
    static void serve(MetricsEndpoint admin, EchoServer server, Duration liveTimeout) {
        HealthEndpoint health = new HealthEndpoint(server, liveTimeout);
        server.beatEvery(heartbeatPeriod(liveTimeout));
        admin.serve(READY, health);
        admin.serve(LIVE, health);
    }

    /** A quarter of the timeout, within 10 ms and 500 ms: a healthy idle reactor is never close to it. */
    static Duration heartbeatPeriod(Duration liveTimeout) {
        Duration quarter = liveTimeout.dividedBy(4);
        return quarter.compareTo(LONGEST_PERIOD) > 0 ? LONGEST_PERIOD
                : quarter.compareTo(SHORTEST_PERIOD) < 0 ? SHORTEST_PERIOD : quarter;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String method = exchange.getRequestMethod();
            if (!READY.equals(path) && !LIVE.equals(path)) {
                respond(exchange, 404, "no such resource: use " + READY + " or " + LIVE + "\n");
            } else if (!"GET".equals(method) && !"HEAD".equals(method)) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                respond(exchange, 405, method + " is not allowed: use GET or HEAD\n");
            } else if (LIVE.equals(path)) {
                live(exchange);
            } else {
                ready(exchange);
            }
        }
    }

    private void live(HttpExchange exchange) throws IOException {
        Duration age = server.heartbeatAge();
        if (age.compareTo(liveTimeout) < 0) {
            respond(exchange, 200, "live: the reactor turned " + millis(age) + " ago\n");
        } else {
            respond(exchange, 503, "stuck: the reactor has not turned for " + millis(age)
                    + " (--live-timeout " + millis(liveTimeout) + ")\n");
        }
    }

    private void ready(HttpExchange exchange) throws IOException {
        if (server.draining()) {
            respond(exchange, 503, "draining: shutting down, not accepting\n");
        } else if (server.heartbeatAge().compareTo(liveTimeout) >= 0) {
            respond(exchange, 503, "stuck: the reactor has not turned for " + millis(server.heartbeatAge()) + "\n");
        } else {
            respond(exchange, 200, "ready\n");
        }
    }

    private static String millis(Duration duration) {
        return String.format(Locale.ROOT, "%d ms", duration.toMillis());
    }

    private static void respond(HttpExchange exchange, int status, String text) throws IOException {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        boolean head = "HEAD".equals(exchange.getRequestMethod());
        exchange.sendResponseHeaders(status, head ? -1 : body.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }
}
