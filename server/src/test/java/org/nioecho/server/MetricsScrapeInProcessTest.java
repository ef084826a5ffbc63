package org.nioecho.server;

import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The endpoint over HTTP, in this JVM: one scrape has each series the README documents,
 * with type, tags and {@code _total}, and values that follow the traffic.
 */
class MetricsScrapeInProcessTest {
    @Test
    void scrapeMatchesTheReadmeAndCountsTheTraffic() throws Exception {
        Map<String, String> documented = DocumentedMetrics.fromReadme(DocumentedMetrics.readme());
        try (PrometheusMeters meters = PrometheusMeters.create();
             EchoServer server = EchoServer.start(ServerConfig.builder().port(0).maxConnections(1).build(), meters.registry());
             MetricsEndpoint endpoint = MetricsEndpoint.start(new InetSocketAddress("127.0.0.1", 0), meters)) {
            byte[] payload = Peers.randomBytes(1234, 41);
            assertArrayEquals(payload, Peers.echo(server.address(), payload));
            await().atMost(Duration.ofSeconds(10)).until(() -> server.metrics().closed(CloseCause.EOF) == 1);

            HttpURLConnection http = (HttpURLConnection) URI.create(
                    "http://127.0.0.1:" + endpoint.address().getPort() + "/metrics").toURL().openConnection();
            http.setConnectTimeout(10_000);
            http.setReadTimeout(10_000);
            assertEquals(200, http.getResponseCode());
            assertEquals("text/plain; version=0.0.4; charset=utf-8", http.getContentType());
            String text;
            try (InputStream in = http.getInputStream()) {
                text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }

            Map<String, String> types = new TreeMap<>();
            Map<String, String> helps = new TreeMap<>();
            Map<String, String> values = new TreeMap<>();
            for (String line : text.split("\n")) {
                if (!line.contains("echo_server_")) {
                    continue; // the JVM's and the process's meters: MetricsScrapeTest checks those
                }
                String[] f = line.split(" ", 4);
                if (line.startsWith("# TYPE ")) {
                    types.put(f[2], f[3]);
                } else if (line.startsWith("# HELP ")) {
                    helps.put(f[2], line);
                } else {
                    values.put(line.substring(0, line.lastIndexOf(' ')), line.substring(line.lastIndexOf(' ') + 1));
                }
            }
            assertEquals(documented.keySet(), values.keySet(), "series in the scrape vs the README:\n" + text);
            for (Map.Entry<String, String> series : documented.entrySet()) {
                String name = series.getKey().replaceAll("\\{.*", "");
                assertEquals(series.getValue(), types.get(name), "# TYPE of " + name);
                assertTrue(helps.containsKey(name), "# HELP of " + name);
            }
            assertEquals(1234, Double.parseDouble(values.get("echo_server_bytes_received_total")));
            assertEquals(1234, Double.parseDouble(values.get("echo_server_bytes_sent_total")));
            assertEquals(1, Double.parseDouble(values.get("echo_server_connections_accepted_total")));
            assertEquals(1, Double.parseDouble(values.get("echo_server_connections_closed_total{cause=\"eof\"}")));
            assertEquals(0, Double.parseDouble(values.get("echo_server_connections_closed_total{cause=\"reset\"}")));
            assertEquals(0, Double.parseDouble(values.get("echo_server_connections_active")));
            assertEquals(0, Double.parseDouble(values.get("echo_server_output_queued")));
            assertEquals(0, Double.parseDouble(values.get("echo_server_accept_errors_total{reason=\"too.many.open.files\"}")));

            // Over the limit: rejected is counted, accepted includes it.
            try (var first = Peers.connect(server.address()); var second = Peers.connect(server.address())) {
                assertEquals(-1, Peers.read(second, new byte[1]), "the second peer is over the limit");
                await().atMost(Duration.ofSeconds(10)).until(() -> server.metrics().closed(CloseCause.REJECTED) == 1);
                String after = new String(meters.scrape(PrometheusMeters.PROMETHEUS_TEXT), StandardCharsets.UTF_8);
                assertEquals(1, value(after, "echo_server_connections_closed_total{cause=\"rejected\"}"), after);
                assertEquals(3, value(after, "echo_server_connections_accepted_total"), after);
                assertEquals(1, value(after, "echo_server_connections_active"), after);
            }
        }
    }

    private static double value(String scrape, String series) {
        for (String line : scrape.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1));
            }
        }
        throw new AssertionError("no series " + series);
    }
}
