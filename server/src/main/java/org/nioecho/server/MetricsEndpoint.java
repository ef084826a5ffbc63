package org.nioecho.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Measurement;
import io.micrometer.core.instrument.Statistic;
import io.micrometer.core.instrument.Tag;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Serves the registry's meters as Prometheus text (version 0.0.4) at {@code /metrics},
 * on its own small HTTP thread: {@code echo.server.bytes.sent} becomes
 * {@code echo_server_bytes_sent_total}, tags become labels.
 */
public final class MetricsEndpoint implements AutoCloseable {
    private final HttpServer http;
    private final ExecutorService executor;
    private final MeterRegistry registry;

    private MetricsEndpoint(HttpServer http, ExecutorService executor, MeterRegistry registry) {
        this.http = http;
        this.executor = executor;
        this.registry = registry;
    }

    /** Binds {@code address} (port 0 picks one) and starts serving. */
    public static MetricsEndpoint start(InetSocketAddress address, MeterRegistry registry) throws IOException {
        Objects.requireNonNull(registry, "registry");
        HttpServer http = HttpServer.create(address, 16);
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "nioecho-metrics");
            thread.setDaemon(true);
            return thread;
        });
        MetricsEndpoint endpoint = new MetricsEndpoint(http, executor, registry);
        http.createContext("/metrics", endpoint::handle);
        http.setExecutor(executor);
        http.start();
        return endpoint;
    }

    /** The bound address. */
    public InetSocketAddress address() {
        return http.getAddress();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = scrape().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /** The current meters in Prometheus text format. */
    public String scrape() {
        StringBuilder text = new StringBuilder(4096);
        List<Meter> meters = registry.getMeters().stream()
                .sorted(Comparator.comparing((Meter m) -> m.getId().getName())).toList();
        String lastName = null;
        for (Meter meter : meters) {
            for (Measurement measurement : meter.measure()) {
                boolean counter = measurement.getStatistic() == Statistic.COUNT
                        || measurement.getStatistic() == Statistic.TOTAL;
                String name = meter.getId().getName().replace('.', '_') + (counter ? "_total" : "");
                if (!name.equals(lastName)) {
                    String help = meter.getId().getDescription();
                    if (help != null) {
                        text.append("# HELP ").append(name).append(' ').append(help).append('\n');
                    }
                    text.append("# TYPE ").append(name).append(counter ? " counter" : " gauge").append('\n');
                    lastName = name;
                }
                text.append(name);
                List<Tag> tags = meter.getId().getTags();
                if (!tags.isEmpty()) {
                    text.append('{');
                    for (int i = 0; i < tags.size(); i++) {
                        Tag tag = tags.get(i);
                        text.append(i == 0 ? "" : ",").append(tag.getKey().replace('.', '_'))
                                .append("=\"").append(escape(tag.getValue())).append('"');
                    }
                    text.append('}');
                }
                text.append(' ').append(format(measurement.getValue())).append('\n');
            }
        }
        return text.toString();
    }

    private static String escape(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    private static String format(double value) {
        if (value == Math.rint(value) && !Double.isInfinite(value)) {
            return Long.toString((long) value);
        }
        return String.format(Locale.ROOT, "%s", value);
    }

    @Override
    public void close() {
        http.stop(0);
        executor.shutdown();
    }
}
