package org.nioecho.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The comparison's results as Markdown (for people and the README), CSV (medians, and every
 * run) and JSON, with the machine, the method and the targets checked in plain words.
 */
final class Report {
    /** The memory target for the reactor at 1000 connections: 64 MB, read strictly as 64·10⁶ bytes. */
    static final long RSS_TARGET_BYTES = 64_000_000L;
    static final double CPU_TARGET_RATIO = 0.9;
    static final String PEER = "netty-epoll";

    /** How the run was set up. */
    record Settings(Duration warmup, Duration duration, int rounds, List<String> serverJvmOptions,
                    String clientJar, List<ServerSpec> servers, List<String> notes) {
        Settings {
            Objects.requireNonNull(warmup, "warmup");
            Objects.requireNonNull(duration, "duration");
            serverJvmOptions = List.copyOf(serverJvmOptions);
            servers = List.copyOf(servers);
            notes = List.copyOf(notes);
        }
    }

    private final MachineInfo machine;
    private final Settings settings;
    private final List<Measurement> measurements;
    private final List<Summary> summaries;
    private final Duration elapsed;
    private final String loadAverageAtEnd;

    Report(MachineInfo machine, Settings settings, List<Measurement> measurements, Duration elapsed, String loadAverageAtEnd) {
        this.machine = Objects.requireNonNull(machine, "machine");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.measurements = List.copyOf(measurements);
        this.summaries = Summary.of(this.measurements);
        this.elapsed = Objects.requireNonNull(elapsed, "elapsed");
        this.loadAverageAtEnd = Objects.requireNonNull(loadAverageAtEnd, "loadAverageAtEnd");
    }

    List<Summary> summaries() {
        return summaries;
    }

    /** Runs that failed plus errors counted: what makes the exit code 1. */
    long problems() {
        return measurements.stream().filter(m -> !m.ok()).count() + measurements.stream().mapToLong(Measurement::errors).sum();
    }

    String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("# nioecho comparison, ").append(machine.date()).append("\n\n");
        md.append("Machine: ").append(machine.describe()).append(". Load average ").append(machine.loadAverageAtStart())
                .append(" at start, ").append(loadAverageAtEnd).append(" at the end; took ").append(Plan.format(elapsed)).append(".\n\n");
        md.append("Method: every server runs in its own process (JVM options: ")
                .append(settings.serverJvmOptions().isEmpty() ? "JVM defaults" : "`" + String.join(" ", settings.serverJvmOptions()) + "`")
                .append("); the load comes from `echo-client.jar load` in another process (")
                .append(Plan.format(settings.warmup())).append(" warm-up, then ").append(Plan.format(settings.duration()))
                .append(" measured per run). A server process is started fresh for each cell and serves all its rounds"
                        + " (fresh for every idle-capacity run). Servers are interleaved, the order rotated every round; ").append(settings.rounds())
                .append(settings.rounds() == 1 ? " round, so single runs, not medians" : " rounds; figures are medians")
                .append(". ×reactor is a server's median over the reactor's. Server CPU is user+system time of the server's"
                        + " process tree from /proc/PID/stat over the measured window only; peak RSS is the most of VmHWM and the"
                        + " sampled VmRSS; threads the most seen in /proc/PID/status. The load generator shares the machine's cores"
                        + " with the server.\n\n");
        md.append("| server | what it is |\n|---|---|\n");
        for (ServerSpec spec : settings.servers()) {
            md.append("| ").append(spec.name()).append(" | ").append(escape(spec.description()))
                    .append(spec.runnable() ? "" : " — **skipped**: " + escape(spec.skipReason())).append(" |\n");
        }
        pingPong(md);
        churn(md);
        idle(md);
        targets(md);
        notes(md);
        return md.toString();
    }

    private void pingPong(StringBuilder md) {
        List<Summary> rows = summaries.stream().filter(s -> s.cell().kind() == Cell.Kind.PINGPONG).toList();
        if (rows.isEmpty()) {
            return;
        }
        md.append("\n## Ping-pong\n\n");
        md.append("| connections | size | server | msg/s | ×reactor | p50 µs | p99 µs | server CPU µs/msg | ×reactor | peak RSS MiB | threads | errors |\n");
        md.append("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Summary s : rows) {
            md.append("| ").append(s.cell().connections()).append(" | ").append(Cell.size(s.cell().sizeBytes())).append(" | ")
                    .append(s.server()).append(" | ");
            if (!s.ok()) {
                md.append("failed: ").append(escape(shorten(s.firstFailure()))).append(" |  |  |  |  |  |  |  |  |\n");
                continue;
            }
            md.append(count(s.rate())).append(" | ").append(ratio(s.rateRatio())).append(" | ")
                    .append(decimal(s.latencyP50Micros())).append(" | ").append(decimal(s.latencyP99Micros())).append(" | ")
                    .append(decimal(s.cpuSecondsPerOp() * 1e6)).append(s.cpuFromWholeRun() ? "*" : "").append(" | ")
                    .append(ratio(s.cpuRatio())).append(" | ").append(mib(s.peakRssBytes())).append(" | ")
                    .append(s.peakThreads()).append(" | ").append(errors(s)).append(" |\n");
        }
    }

    private void churn(StringBuilder md) {
        List<Summary> rows = summaries.stream().filter(s -> s.cell().kind() == Cell.Kind.CHURN).toList();
        if (rows.isEmpty()) {
            return;
        }
        md.append("\n## Connection churn (connect, echo one message, close)\n\n");
        md.append("| in flight | size | server | connections/s | ×reactor | connect p99 ms | server CPU µs/connection | ×reactor | peak RSS MiB | threads | errors |\n");
        md.append("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Summary s : rows) {
            md.append("| ").append(s.cell().connections()).append(" | ").append(Cell.size(s.cell().sizeBytes())).append(" | ")
                    .append(s.server()).append(" | ");
            if (!s.ok()) {
                md.append("failed: ").append(escape(shorten(s.firstFailure()))).append(" |  |  |  |  |  |  |  |\n");
                continue;
            }
            md.append(count(s.rate())).append(" | ").append(ratio(s.rateRatio())).append(" | ")
                    .append(decimal(s.connectP99Millis())).append(" | ")
                    .append(decimal(s.cpuSecondsPerOp() * 1e6)).append(s.cpuFromWholeRun() ? "*" : "").append(" | ")
                    .append(ratio(s.cpuRatio())).append(" | ").append(mib(s.peakRssBytes())).append(" | ")
                    .append(s.peakThreads()).append(" | ").append(errors(s)).append(" |\n");
        }
    }

    private void idle(StringBuilder md) {
        List<Summary> rows = summaries.stream().filter(s -> s.cell().kind() == Cell.Kind.IDLE).toList();
        if (rows.isEmpty()) {
            return;
        }
        md.append("\n## Idle capacity (connections held open and silent, each first proved by one echoed byte)\n\n");
        md.append("| asked | server | held | RSS with them MiB | KiB per connection | threads | errors |\n");
        md.append("|---:|---|---:|---:|---:|---:|---:|\n");
        for (Summary s : rows) {
            md.append("| ").append(s.cell().connections()).append(" | ").append(s.server()).append(" | ");
            if (!s.ok()) {
                md.append("failed: ").append(escape(shorten(s.firstFailure()))).append(" |  |  |  |  |\n");
                continue;
            }
            md.append(count(s.held())).append(" | ").append(mib(s.rssWithIdleBytes())).append(" | ")
                    .append(decimal(s.bytesPerConnection() / 1024)).append(" | ").append(s.peakThreads()).append(" | ")
                    .append(errors(s)).append(" |\n");
        }
    }

    private void targets(StringBuilder md) {
        List<String> lines = new ArrayList<>();
        for (int connections : new int[] {100, 1000}) {
            Summary reactor = find(Summary.BASELINE, Cell.pingPong(connections, 64));
            Summary peer = find(PEER, Cell.pingPong(connections, 64));
            if (reactor == null || peer == null || !reactor.ok() || !peer.ok()) {
                continue;
            }
            double rate = reactor.rate() / peer.rate();
            double cpu = reactor.cpuSecondsPerOp() / peer.cpuSecondsPerOp();
            lines.add("64 B ping-pong at " + connections + " connections: reactor throughput = " + ratio(rate)
                    + " × netty-epoll's (target ≥ 1): **" + verdict(rate >= 1) + "**; reactor CPU per message = "
                    + ratio(cpu) + " × netty-epoll's (target ≤ 0.9): **" + verdict(cpu <= CPU_TARGET_RATIO) + "**.");
        }
        Summary reactor1000 = find(Summary.BASELINE, Cell.pingPong(1000, 64));
        if (reactor1000 != null && reactor1000.ok()) {
            lines.add("Reactor peak RSS at 1000 connections (64 B): " + mib(reactor1000.peakRssBytes()) + " MiB = "
                    + String.format(Locale.ROOT, "%.1f", reactor1000.peakRssBytes() / 1e6) + " MB (target ≤ 64 MB): **"
                    + verdict(reactor1000.peakRssBytes() <= RSS_TARGET_BYTES) + "**.");
        }
        for (Summary s : summaries) {
            if (s.server().equals("blocking") && s.cell().connections() == 10_000 && s.cell().kind() != Cell.Kind.CHURN) {
                Summary base = find(Summary.BASELINE, s.cell());
                lines.add("Thread-per-connection at " + s.cell().label() + ": " + (s.ok()
                        ? s.peakThreads() + " threads, peak RSS " + mib(s.peakRssBytes()) + " MiB"
                          + (base != null && base.ok() ? " (reactor: " + base.peakThreads() + " threads, " + mib(base.peakRssBytes()) + " MiB)" : "")
                          + (s.cell().kind() == Cell.Kind.PINGPONG ? ", " + ratio(s.rateRatio()) + " × the reactor's throughput at "
                             + ratio(s.cpuRatio()) + " × its CPU per message" : "")
                          + (s.errors() > 0 ? ", errors: " + errors(s) : "")
                        : "failed: " + shorten(s.firstFailure())) + ".");
            }
        }
        if (lines.isEmpty()) {
            return;
        }
        md.append("\n## Targets\n\n");
        for (String line : lines) {
            md.append("- ").append(line).append('\n');
        }
    }

    private void notes(StringBuilder md) {
        List<String> notes = new ArrayList<>(settings.notes());
        if (summaries.stream().anyMatch(Summary::cpuFromWholeRun)) {
            notes.add("* CPU over the whole run, warm-up included: the measured window could not be found for some runs.");
        }
        for (Measurement m : measurements) {
            if (!m.ok()) {
                notes.add(m.server() + ", " + m.cell().label() + ", round " + m.round() + ": " + m.failure());
            }
        }
        if (notes.isEmpty()) {
            return;
        }
        md.append("\n## Notes\n\n");
        for (String note : notes) {
            md.append("- ").append(escape(note)).append('\n');
        }
    }

    private Summary find(String server, Cell cell) {
        return summaries.stream().filter(s -> s.server().equals(server) && s.cell().equals(cell)).findFirst().orElse(null);
    }

    /** Medians and ratios, one row per server and cell. */
    String summaryCsv() {
        StringBuilder csv = new StringBuilder("server,kind,connections,size_bytes,runs,failures,rate_per_s,rate_ratio,"
                + "latency_p50_us,latency_p99_us,connect_p99_ms,cpu_us_per_op,cpu_ratio,peak_rss_bytes,rss_ratio,peak_threads,"
                + "errors,held,bytes_per_connection\n");
        for (Summary s : summaries) {
            csv.append(String.join(",", s.server(), s.cell().kind().label(), Integer.toString(s.cell().connections()),
                    Integer.toString(s.cell().sizeBytes()), Integer.toString(s.runs()), Integer.toString(s.failures()),
                    plain(s.rate()), plain(s.rateRatio()), plain(s.latencyP50Micros()), plain(s.latencyP99Micros()),
                    plain(s.connectP99Millis()), plain(s.cpuSecondsPerOp() * 1e6), plain(s.cpuRatio()),
                    plain(s.peakRssBytes()), plain(s.rssRatio()), Integer.toString(s.peakThreads()),
                    Long.toString(s.errors()), plain(s.held()), plain(s.bytesPerConnection()))).append('\n');
        }
        return csv.toString();
    }

    /** Every run. */
    String runsCsv() {
        StringBuilder csv = new StringBuilder("server,kind,connections,size_bytes,round,failure,rate_per_s,latency_p50_us,"
                + "latency_p99_us,connect_p99_ms,cpu_us_per_op,cpu_method,peak_rss_bytes,peak_threads,errors,error_detail,"
                + "held,rss_before_bytes,rss_after_bytes\n");
        for (Measurement m : measurements) {
            csv.append(String.join(",", m.server(), m.cell().kind().label(), Integer.toString(m.cell().connections()),
                    Integer.toString(m.cell().sizeBytes()), Integer.toString(m.round()), csvText(m.failure()),
                    plain(m.rate()), plain(m.latencyP50Micros()), plain(m.latencyP99Micros()), plain(m.connectP99Millis()),
                    plain(m.cpuSecondsPerOp() * 1e6), csvText(m.cpuMethod()), Long.toString(m.peakRssBytes()),
                    Integer.toString(m.peakThreads()), Long.toString(m.errors()), csvText(m.errorDetail()),
                    Integer.toString(m.held()), Long.toString(m.rssBeforeBytes()), Long.toString(m.rssAfterBytes()))).append('\n');
        }
        return csv.toString();
    }

    String json() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("machine", machine.toJson());
        json.put("loadAverageAtEnd", loadAverageAtEnd);
        json.put("elapsedSeconds", elapsed.toMillis() / 1000.0);
        Map<String, Object> how = new LinkedHashMap<>();
        how.put("warmupSeconds", settings.warmup().toMillis() / 1000.0);
        how.put("durationSeconds", settings.duration().toMillis() / 1000.0);
        how.put("rounds", settings.rounds());
        how.put("serverJvmOptions", settings.serverJvmOptions());
        how.put("clientJar", settings.clientJar());
        json.put("settings", how);
        List<Object> servers = new ArrayList<>();
        for (ServerSpec spec : settings.servers()) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("name", spec.name());
            s.put("description", spec.description());
            s.put("command", spec.command());
            s.put("skipped", spec.skipReason());
            servers.add(s);
        }
        json.put("servers", servers);
        json.put("notes", settings.notes());
        List<Object> summaryJson = new ArrayList<>();
        for (Summary s : summaries) {
            Map<String, Object> o = cellJson(s.server(), s.cell());
            o.put("runs", s.runs());
            o.put("failures", s.failures());
            o.put("firstFailure", s.firstFailure());
            o.put("ratePerSecond", s.rate());
            o.put("rateRatio", s.rateRatio());
            o.put("latencyP50Micros", s.latencyP50Micros());
            o.put("latencyP99Micros", s.latencyP99Micros());
            o.put("connectP99Millis", s.connectP99Millis());
            o.put("cpuSecondsPerOp", s.cpuSecondsPerOp());
            o.put("cpuRatio", s.cpuRatio());
            o.put("peakRssBytes", s.peakRssBytes());
            o.put("rssRatio", s.rssRatio());
            o.put("peakThreads", s.peakThreads());
            o.put("errors", s.errors());
            o.put("errorDetail", s.errorDetail());
            o.put("held", s.held());
            o.put("bytesPerConnection", s.bytesPerConnection());
            summaryJson.add(o);
        }
        json.put("summaries", summaryJson);
        List<Object> runs = new ArrayList<>();
        for (Measurement m : measurements) {
            Map<String, Object> o = cellJson(m.server(), m.cell());
            o.put("round", m.round());
            o.put("failure", m.failure());
            o.put("ratePerSecond", m.rate());
            o.put("latencyP50Micros", m.latencyP50Micros());
            o.put("latencyP99Micros", m.latencyP99Micros());
            o.put("connectP99Millis", m.connectP99Millis());
            o.put("cpuSecondsPerOp", m.cpuSecondsPerOp());
            o.put("cpuMethod", m.cpuMethod());
            o.put("peakRssBytes", m.peakRssBytes());
            o.put("peakThreads", m.peakThreads());
            o.put("errors", m.errors());
            o.put("errorDetail", m.errorDetail());
            o.put("held", m.held());
            o.put("rssBeforeBytes", m.rssBeforeBytes());
            o.put("rssAfterBytes", m.rssAfterBytes());
            runs.add(o);
        }
        json.put("runs", runs);
        return ReportJson.write(json);
    }

    private static Map<String, Object> cellJson(String server, Cell cell) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("server", server);
        o.put("kind", cell.kind().label());
        o.put("connections", cell.connections());
        o.put("sizeBytes", cell.sizeBytes());
        return o;
    }

    private static String verdict(boolean met) {
        return met ? "met" : "missed";
    }

    private static String errors(Summary s) {
        String text = Long.toString(s.errors());
        if (s.errors() > 0 && !s.errorDetail().isEmpty()) {
            text += " (" + escape(s.errorDetail()) + ")";
        }
        if (s.failures() > 0) {
            text += ", " + s.failures() + " of " + s.runs() + " runs failed";
        }
        return text;
    }

    static String count(double value) {
        return Double.isNaN(value) ? "–" : String.format(Locale.ROOT, "%,.0f", value);
    }

    static String decimal(double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return "–";
        }
        return value >= 100 ? String.format(Locale.ROOT, "%,.0f", value)
                : value >= 10 ? String.format(Locale.ROOT, "%.1f", value) : String.format(Locale.ROOT, "%.2f", value);
    }

    static String ratio(double value) {
        return Double.isNaN(value) || Double.isInfinite(value) ? "–" : String.format(Locale.ROOT, "%.2f", value);
    }

    static String mib(double bytes) {
        return Double.isNaN(bytes) || bytes <= 0 ? "–" : String.format(Locale.ROOT, "%.1f", bytes / (1 << 20));
    }

    private static String plain(double value) {
        return Double.isNaN(value) || Double.isInfinite(value) ? "" : String.format(Locale.ROOT, "%.6g", value);
    }

    private static String csvText(String text) {
        if (text == null || text.isEmpty()) {
            return "";
        }
        return "\"" + text.replace("\"", "\"\"") + "\"";
    }

    private static String escape(String text) {
        return text == null ? "" : text.replace("|", "\\|").replace("\n", " ");
    }

    private static String shorten(String text) {
        if (text == null) {
            return "";
        }
        return text.length() <= 120 ? text : text.substring(0, 117) + "...";
    }
}
