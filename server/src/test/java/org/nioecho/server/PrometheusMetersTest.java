package org.nioecho.server;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The registry's own meters, the content type chosen from a scraper's Accept header, and close. */
class PrometheusMetersTest {
    @Test
    void theJvmAndProcessMetersDashboardsExpectAreBound() throws Exception {
        try (PrometheusMeters meters = PrometheusMeters.create()) {
            String text = new String(meters.scrape(PrometheusMeters.PROMETHEUS_TEXT), StandardCharsets.UTF_8);
            for (String name : List.of("# TYPE jvm_memory_used_bytes ", "# TYPE jvm_gc_", "# TYPE jvm_threads_live_threads ",
                    "# TYPE jvm_classes_loaded_classes ", "# TYPE process_cpu_usage ", "# TYPE process_uptime_seconds ",
                    "# TYPE process_files_open_files ")) {
                assertTrue(text.contains(name), name + " missing from:\n" + text);
            }
            String open = new String(meters.scrape(PrometheusMeters.OPENMETRICS_TEXT), StandardCharsets.UTF_8);
            assertTrue(open.endsWith("# EOF\n"), "OpenMetrics text ends with # EOF");
            assertFalse(meters.registry().isClosed());
            meters.close();
            assertTrue(meters.registry().isClosed(), "close closes the registry");
        }
    }

    @Test
    void openMetricsOnlyForAScraperThatAsksForIt() {
        assertEquals(PrometheusMeters.PROMETHEUS_TEXT, PrometheusMeters.contentType(null));
        assertEquals(PrometheusMeters.PROMETHEUS_TEXT, PrometheusMeters.contentType("text/plain;version=0.0.4"));
        assertEquals(PrometheusMeters.OPENMETRICS_TEXT,
                PrometheusMeters.contentType("Application/OpenMetrics-Text; version=1.0.0,text/plain;q=0.5"));
    }
}
