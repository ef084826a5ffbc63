package org.nioecho.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Serves {@link PrometheusMeters} at {@code /metrics} on its own small HTTP thread:
 * Prometheus text 0.0.4, or OpenMetrics 1.0.0 when the scraper's {@code Accept} header
 * asks for {@code application/openmetrics-text}. The admin port: other resources (such as
 * {@code /faults}) are added with {@link #serve}.
 */
public final class MetricsEndpoint implements AutoCloseable {
    private final HttpServer http;
    private final ExecutorService executor;
    private final PrometheusMeters meters;

    private MetricsEndpoint(HttpServer http, ExecutorService executor, PrometheusMeters meters) {
        this.http = http;
        this.executor = executor;
        this.meters = meters;
    }

    /** Binds {@code address} (port 0 picks one) and starts serving. */
    public static MetricsEndpoint start(InetSocketAddress address, PrometheusMeters meters) throws IOException {
        Objects.requireNonNull(meters, "meters");
        HttpServer http = HttpServer.create(address, 16);
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "nioecho-metrics");
            thread.setDaemon(true);
            return thread;
        });
        MetricsEndpoint endpoint = new MetricsEndpoint(http, executor, meters);
        http.createContext("/metrics", endpoint::handle);
        http.setExecutor(executor);
        http.start();
        return endpoint;
    }

    /** Serves {@code path} (and what lies below it) with {@code handler}, on the same thread as /metrics. */
    public void serve(String path, HttpHandler handler) {
        http.createContext(path, handler);
    }

    /** The bound address. */
    public InetSocketAddress address() {
        return http.getAddress();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String contentType = PrometheusMeters.contentType(exchange.getRequestHeaders().getFirst("Accept"));
            byte[] body = meters.scrape(contentType);
            exchange.getResponseHeaders().set("Content-Type", contentType);
            boolean head = "HEAD".equals(exchange.getRequestMethod());
            exchange.sendResponseHeaders(200, head ? -1 : body.length);
            if (!head) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        }
    }

    /** Stops serving; the meters stay open (their owner closes them). */
    @Override
    public void close() {
        http.stop(0);
        executor.shutdown();
    }
}
