package org.nioecho.bench;

import org.nioecho.harness.ServerProcess;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The TLS part of the comparison ({@code Compare --tls}): the TLS contenders, side by side in
 * one run, on two cells, handshakes ({@link TlsLoad#handshakes}) and 16 KiB streaming
 * ({@link TlsLoad#stream}); rounds interleaved with the servers' order rotated, each server
 * started once per cell and kept over its rounds; the server's CPU from {@code /proc} over the
 * load's measured window. Reports medians and ratios to {@code reactor-tls}.
 */
final class TlsCompare {
    static final String BASELINE = "reactor-tls";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);
    private static final int STREAM_CHUNK_BYTES = 16 * 1024;

    private final List<ServerSpec> servers;
    private final BenchCertificate certificate;
    private final Duration warmup;
    private final Duration duration;
    private final int rounds;
    private final int handshakeConnections;
    private final int streamConnections;

    TlsCompare(List<ServerSpec> servers, BenchCertificate certificate, Duration warmup, Duration duration, int rounds,
               int handshakeConnections, int streamConnections) {
        this.servers = List.copyOf(servers);
        this.certificate = Objects.requireNonNull(certificate, "certificate");
        this.warmup = warmup;
        this.duration = duration;
        this.rounds = rounds;
        this.handshakeConnections = handshakeConnections;
        this.streamConnections = streamConnections;
    }

    /** Runs every server on both cells, {@code rounds} times; failures become failed measurements. */
    List<TlsMeasurement> run(PrintWriter progress) throws InterruptedException {
        List<TlsMeasurement> results = new ArrayList<>();
        int total = 2 * rounds * servers.size();
        int index = 0;
        for (TlsMeasurement.Kind kind : TlsMeasurement.Kind.values()) {
            int connections = kind == TlsMeasurement.Kind.HANDSHAKES ? handshakeConnections : streamConnections;
            Map<String, ServerProcess> running = new LinkedHashMap<>();
            try {
                for (int round = 1; round <= rounds; round++) {
                    for (int i = 0; i < servers.size(); i++) {
                        ServerSpec spec = servers.get((i + round - 1) % servers.size());
                        TlsMeasurement m = measure(spec, kind, connections, round, running);
                        results.add(m);
                        index++;
                        progress.println(String.format(Locale.ROOT, "[tls %2d/%d] %-24s %-28s round %d: %s", index, total, spec.name(),
                                kind.label(connections), round, m.ok() ? String.format(Locale.ROOT, "%,.1f %s, server CPU %.3f ms/%s%s",
                                        m.rate(), kind.rateUnit, m.cpuSecondsPerOp() * 1e3, kind.opUnit,
                                        m.errors() > 0 ? ", errors " + m.errors() + " (" + m.errorDetail() + ")" : "")
                                        : "FAILED: " + m.failure()));
                        progress.flush();
                    }
                }
            } finally {
                for (ServerProcess server : running.values()) {
                    server.stop(STOP_GRACE);
                }
            }
        }
        return results;
    }

    private TlsMeasurement measure(ServerSpec spec, TlsMeasurement.Kind kind, int connections, int round,
                                   Map<String, ServerProcess> running) throws InterruptedException {
        ServerProcess server = running.get(spec.name());
        try {
            if (server == null) {
                server = spec.start(START_TIMEOUT);
                running.put(spec.name(), server);
            }
            awaitNoConnections(server);
            long pid = server.pid();
            TlsLoad load = new TlsLoad(server.address(), certificate.trustManagers(), () -> ProcessTree.sample(pid).cpuSeconds());
            TlsLoad.Window window = kind == TlsMeasurement.Kind.HANDSHAKES
                    ? load.handshakes(connections, warmup, duration)
                    : load.stream(connections, STREAM_CHUNK_BYTES, warmup, duration);
            if (window.operations() == 0) {
                return TlsMeasurement.failed(spec.name(), kind, connections, round, "no " + kind.opUnit + " completed in the window"
                        + (window.firstError().isEmpty() ? "" : " (" + window.firstError() + ")"));
            }
            double ops = kind == TlsMeasurement.Kind.HANDSHAKES ? window.operations() : window.operations() / (double) (1 << 20);
            return new TlsMeasurement(spec.name(), kind, connections, round, null, ops / window.seconds(),
                    window.serverCpuSeconds() / ops, window.errors(), window.firstError());
        } catch (IOException e) {
            String died = server != null && !server.isAlive() ? " (the server died" + server.lastOutput() + ")" : "";
            if (server != null && !server.isAlive()) {
                running.remove(spec.name());
                server.stop(STOP_GRACE);
            }
            return TlsMeasurement.failed(spec.name(), kind, connections, round, oneLine(e.getMessage()) + died);
        }
    }

    /** The Markdown section: medians per server and cell, ratios to {@link #BASELINE}. */
    static String markdown(List<TlsMeasurement> results, List<ServerSpec> servers, Duration warmup, Duration duration, int rounds) {
        StringBuilder md = new StringBuilder();
        md.append("\n## TLS\n\n");
        md.append("Every server serves the same fresh EC P-256 self-signed certificate (PEM, made for this run). The load, in the"
                + " comparing process, offers only TLS 1.3 with " + TlsLoad.SUITE + " and trusts only that certificate (pinned, byte for byte)."
                + " Handshakes: each connection a full handshake (new client context, no resumption), one byte echoed, close_notify."
                + " Stream: 16 KiB writes, every echoed byte checked. Server CPU from /proc over the measured window; ")
                .append(Plan.format(warmup)).append(" warm-up + ").append(Plan.format(duration)).append(" measured, ")
                .append(rounds).append(rounds == 1 ? " round" : " rounds").append(", medians.\n\n");
        for (ServerSpec s : servers) {
            md.append("- `").append(s.name()).append("`: ").append(s.description()).append('\n');
        }
        md.append('\n');
        md.append("| server | cell | rate | × ").append(BASELINE).append(" | server CPU per op | × ").append(BASELINE)
                .append(" | runs ok | errors |\n|---|---|---:|---:|---:|---:|---:|---:|\n");
        for (TlsMeasurement.Kind kind : TlsMeasurement.Kind.values()) {
            double baseRate = median(results, BASELINE, kind, true);
            double baseCpu = median(results, BASELINE, kind, false);
            for (ServerSpec s : servers) {
                List<TlsMeasurement> runs = results.stream().filter(m -> m.server().equals(s.name()) && m.kind() == kind).toList();
                if (runs.isEmpty()) {
                    continue;
                }
                double rate = median(results, s.name(), kind, true);
                double cpu = median(results, s.name(), kind, false);
                long ok = runs.stream().filter(TlsMeasurement::ok).count();
                long errors = runs.stream().mapToLong(TlsMeasurement::errors).sum();
                md.append(String.format(Locale.ROOT, "| %s | %s | %,.1f %s | %s | %.3f ms/%s | %s | %d/%d | %d |\n", s.name(),
                        kind.label(runs.get(0).connections()), rate, kind.rateUnit, ratio(rate, baseRate), cpu * 1e3, kind.opUnit,
                        ratio(cpu, baseCpu), ok, runs.size(), errors));
            }
        }
        List<String> failures = results.stream().filter(m -> !m.ok())
                .map(m -> m.server() + ", " + m.kind().label(m.connections()) + ", round " + m.round() + ": " + m.failure()).toList();
        if (!failures.isEmpty()) {
            md.append("\nFailed TLS runs:\n\n");
            failures.forEach(f -> md.append("- ").append(f).append('\n'));
        }
        return md.toString();
    }

    /** One row per run. */
    static String csv(List<TlsMeasurement> results) {
        StringBuilder csv = new StringBuilder("server,cell,connections,round,ok,rate,rate_unit,server_cpu_ms_per_op,op_unit,errors,failure\n");
        for (TlsMeasurement m : results) {
            csv.append(String.format(Locale.ROOT, "%s,%s,%d,%d,%s,%.3f,%s,%.5f,%s,%d,\"%s\"\n", m.server(),
                    m.kind().name().toLowerCase(Locale.ROOT), m.connections(), m.round(), m.ok(), m.rate(), m.kind().rateUnit,
                    m.cpuSecondsPerOp() * 1e3, m.kind().opUnit, m.errors(), m.ok() ? "" : m.failure().replace('"', '\'')));
        }
        return csv.toString();
    }

    static long problems(List<TlsMeasurement> results) {
        return results.stream().filter(m -> !m.ok() || m.errors() > 0).count();
    }

    private static double median(List<TlsMeasurement> results, String server, TlsMeasurement.Kind kind, boolean rate) {
        return Summary.median(results.stream().filter(m -> m.ok() && m.server().equals(server) && m.kind() == kind)
                .mapToDouble(m -> rate ? m.rate() : m.cpuSecondsPerOp()).toArray());
    }

    private static String ratio(double value, double base) {
        return Double.isNaN(value) || Double.isNaN(base) || base == 0 ? "–" : String.format(Locale.ROOT, "%.2f", value / base);
    }

    private static void awaitNoConnections(ServerProcess server) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (SocketCount.serverSide(server.address()) > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20); // poll period of the kernel's table, not synchronisation
        }
    }

    private static String oneLine(String message) {
        return message == null ? "(no message)" : message.replace('\n', ' ').replaceAll("\\s+", " ").trim();
    }
}
