package org.nioecho.server;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.NamingConvention;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Locale;

/**
 * Micrometer's Prometheus registry with the JVM and process meters Prometheus dashboards
 * expect ({@code jvm_memory_*}, {@code jvm_gc_*}, {@code jvm_threads_*}, {@code jvm_classes_*},
 * {@code process_cpu_usage}, {@code process_uptime_seconds}, {@code process_files_*}).
 * Created only for {@code --metrics-port}: the command refers to this class and to
 * {@link MeterRegistry} alone, so a server without it loads no Micrometer class.
 */
public final class PrometheusMeters implements AutoCloseable {
    /** Prometheus text exposition format 0.0.4, the default. */
    public static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    /** OpenMetrics text 1.0.0, for scrapers that ask for it. */
    public static final String OPENMETRICS_TEXT = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    private final PrometheusMeterRegistry registry;
    private final JvmGcMetrics gcMetrics;

    private PrometheusMeters(PrometheusMeterRegistry registry, JvmGcMetrics gcMetrics) {
        this.registry = registry;
        this.gcMetrics = gcMetrics;
    }

    /** A registry with the JVM and process meters bound; the server binds its own to {@link #registry()}. */
    public static PrometheusMeters create() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().namingConvention(new ServerNamesWithoutUnit(registry.config().namingConvention()));
        new JvmMemoryMetrics().bindTo(registry);
        JvmGcMetrics gcMetrics = new JvmGcMetrics();
        gcMetrics.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        return new PrometheusMeters(registry, gcMetrics);
    }

    /** The registry to bind the server's meters to. */
    public MeterRegistry registry() {
        return registry;
    }

    /** The content type to answer a scraper that sent {@code accept} (may be null). */
    public static String contentType(String accept) {
        return accept != null && accept.toLowerCase(Locale.ROOT).contains("application/openmetrics-text")
                ? OPENMETRICS_TEXT : PROMETHEUS_TEXT;
    }

    /** Every meter, in {@code contentType} (one of {@link #PROMETHEUS_TEXT} and {@link #OPENMETRICS_TEXT}). */
    public byte[] scrape(String contentType) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream(16384);
        registry.scrape(body, contentType);
        return body.toByteArray();
    }

    /** Stops the GC listener and the registry. */
    @Override
    public void close() {
        gcMetrics.close();
        registry.close();
    }

    /**
     * Prometheus naming, except that the server's own meters ({@code echo.server.*}) get no
     * base-unit suffix: {@code echo_server_bytes_sent_total}, not {@code echo_server_bytes_sent_bytes_total},
     * as documented in the README. The JVM and process meters keep theirs ({@code jvm_memory_used_bytes}).
     */
    private static final class ServerNamesWithoutUnit implements NamingConvention {
        private static final String SERVER_PREFIX = "echo.server.";
        private final NamingConvention prometheus;

        ServerNamesWithoutUnit(NamingConvention prometheus) {
            this.prometheus = prometheus;
        }

        @Override
        public String name(String name, Meter.Type type, String baseUnit) {
            return prometheus.name(name, type, name.startsWith(SERVER_PREFIX) ? null : baseUnit);
        }

        @Override
        public String tagKey(String key) {
            return prometheus.tagKey(key);
        }

        @Override
        public String tagValue(String value) {
            return prometheus.tagValue(value);
        }
    }
}
