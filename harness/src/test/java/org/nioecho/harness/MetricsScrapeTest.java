package org.nioecho.harness;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Scrapes a running server's {@code /metrics} like Prometheus does: text 0.0.4 by default,
 * OpenMetrics 1.0.0 when asked; the documented {@code echo_server_*} names and the JVM and
 * process meters dashboards expect. And a server without {@code --metrics-port} loads no
 * Micrometer class.
 */
@Timeout(120)
class MetricsScrapeTest {
    /** The README's metrics table, as Prometheus names. */
    private static final List<String> DOCUMENTED = List.of(
            "echo_server_connections_active", "echo_server_connections_accepted_total",
            "echo_server_connections_closed_total", "echo_server_connections_paused",
            "echo_server_backpressure_pauses_total", "echo_server_bytes_received_total",
            "echo_server_bytes_sent_total", "echo_server_output_queued", "echo_server_accept_errors_total");
    private static final List<String> JVM_AND_PROCESS = List.of(
            "jvm_memory_used_bytes", "jvm_gc_", "jvm_threads_live_threads", "jvm_classes_loaded_classes",
            "process_cpu_usage", "process_uptime_seconds", "process_files_open_files", "process_files_max_files");
    private static final String OPENMETRICS = "application/openmetrics-text; version=1.0.0";

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    private static ServerProcess server;

    @BeforeAll
    static void startServer() throws Exception {
        server = ServerProcess.builder().args("--metrics-port", "0").start();
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void plainGetIsPrometheusText004WithServerJvmAndProcessSeries() throws Exception {
        HttpResponse<String> response = scrape(null);
        assertEquals(200, response.statusCode());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", contentType(response));
        String body = response.body();
        for (String name : DOCUMENTED) {
            assertTrue(body.contains("\n# TYPE " + name + " "), "no " + name + " in:\n" + body);
            assertTrue(hasSample(body, name), "no sample of " + name);
        }
        assertTrue(body.contains("echo_server_connections_closed_total{cause=\"eof\"} "), body);
        assertTrue(body.contains("echo_server_accept_errors_total{reason=\"too.many.open.files\"} "), body);
        for (String name : JVM_AND_PROCESS) {
            assertTrue(hasSample(body, name), "no " + name + " in:\n" + body);
        }
        assertTrue(sample(body, "process_files_open_files") > 0, "the server has descriptors open");
    }

    @Test
    void openMetricsWhenTheAcceptHeaderAsksForIt() throws Exception {
        HttpResponse<String> response = scrape(OPENMETRICS);
        assertEquals(200, response.statusCode());
        assertTrue(contentType(response).startsWith("application/openmetrics-text; version=1.0.0"), contentType(response));
        assertTrue(response.body().endsWith("# EOF\n"), "OpenMetrics ends with # EOF");
        assertTrue(hasSample(response.body(), "echo_server_bytes_sent_total"), response.body());
        assertTrue(hasSample(response.body(), "jvm_memory_used_bytes"), response.body());
    }

    @Test
    void echoedBytesShowInTheDocumentedCounters() throws Exception {
        double receivedBefore = sample(scrape(null).body(), "echo_server_bytes_received_total");
        byte[] payload = "metrics, please\n".getBytes(StandardCharsets.US_ASCII);
        try (Socket socket = new Socket(server.address().getAddress(), server.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(payload);
            InputStream in = socket.getInputStream();
            assertArrayEquals(payload, in.readNBytes(payload.length));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            String body = scrape(null).body();
            return sample(body, "echo_server_bytes_received_total") == receivedBefore + payload.length
                    && sample(body, "echo_server_bytes_sent_total") >= payload.length;
        });
    }

    /** Micrometer is loaded only for --metrics-port: a plain server's class-load log names none of it. */
    @Test
    void withoutMetricsPortNoMicrometerClassIsLoaded() throws Exception {
        // A file the JVM creates: -Xlog moves an existing one aside (to .log.0) instead of writing to it.
        Path dir = Files.createTempDirectory("nioecho-class-load");
        Path log = dir.resolve("class-load.log");
        try {
            try (ServerProcess plain = ServerProcess.builder()
                    .jvmOptions("-Xlog:class+load=info:file=" + log).start()) {
                byte[] payload = {'x', '\n'};
                try (Socket socket = new Socket(plain.address().getAddress(), plain.port())) {
                    socket.setSoTimeout(10_000);
                    socket.getOutputStream().write(payload);
                    assertArrayEquals(payload, socket.getInputStream().readNBytes(payload.length));
                }
                plain.signal("TERM");
                assertEquals(0, plain.awaitExit(Duration.ofSeconds(30)), plain.stderr().toString());
            }
            List<String> lines = Files.readAllLines(log);
            assertTrue(lines.stream().anyMatch(l -> l.contains("org.nioecho.server.Reactor")), "the log is complete");
            List<String> micrometer = lines.stream()
                    .filter(l -> l.contains("io.micrometer") || l.contains("io.prometheus")).toList();
            assertTrue(micrometer.isEmpty(), "loaded: " + micrometer);
        } finally {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path file : files.toList()) {
                    Files.delete(file);
                }
            }
            Files.delete(dir);
        }
    }

    private static HttpResponse<String> scrape(String accept) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.metricsUrl()))
                .timeout(Duration.ofSeconds(10)).GET();
        if (accept != null) {
            request.header("Accept", accept);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private static String contentType(HttpResponse<?> response) {
        return response.headers().firstValue("Content-Type").orElse("(none)");
    }

    private static boolean hasSample(String body, String prefix) {
        return Arrays.stream(body.split("\n")).anyMatch(line -> !line.startsWith("#") && line.startsWith(prefix));
    }

    /** The value of the unlabelled series {@code name}. */
    private static double sample(String body, String name) {
        for (String line : body.split("\n")) {
            if (line.startsWith(name + " ")) {
                return Double.parseDouble(line.substring(name.length() + 1).trim().split(" ")[0]);
            }
        }
        throw new AssertionError("no series " + name + " in:\n" + body);
    }
}
