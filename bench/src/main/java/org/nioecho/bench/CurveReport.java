package org.nioecho.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The latency curve's results as a Markdown section, CSV and JSON: per server and step, the
 * offered rate, p50/p99/p99.9 from the intended send time, and the generator's
 * own lateness and scheduled-versus-sent counts, so that an overloaded generator is visible.
 */
final class CurveReport {
    private final Cell cell;
    private final Map<String, Double> closedLoopPerSecond;
    private final List<CurvePoint> points;
    private final Duration warmup;
    private final Duration duration;

    /**
     * @param closedLoopPerSecond each server's closed-loop (ping-pong) rate on the same connections
     *                            and size, the 100 % of its curve (NaN if it has none)
     */
    CurveReport(Cell cell, Map<String, Double> closedLoopPerSecond, List<CurvePoint> points, Duration warmup, Duration duration) {
        this.cell = Objects.requireNonNull(cell, "cell");
        this.closedLoopPerSecond = new LinkedHashMap<>(closedLoopPerSecond);
        this.points = List.copyOf(points);
        this.warmup = Objects.requireNonNull(warmup, "warmup");
        this.duration = Objects.requireNonNull(duration, "duration");
    }

    List<CurvePoint> points() {
        return points;
    }

    /** Steps that failed plus errors counted. */
    long problems() {
        return points.stream().filter(p -> !p.ok()).count() + points.stream().mapToLong(CurvePoint::errors).sum();
    }

    String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("\n## Latency under load (open loop, ").append(cell.connections()).append(" connections × ")
                .append(Cell.size(cell.sizeBytes())).append(")\n\n");
        md.append("Each server is driven by `echo-client load --mode rate` (open loop: every connection sends on a fixed"
                + " schedule, whether or not its echoes are back; latency is taken from the intended send time, so it is free of"
                + " coordinated omission) at ").append(String.join(", ", CurvePlan.PERCENTS.stream().map(p -> p + " %").toList()))
                .append(" of the rate it reached closed loop (ping-pong, same connections and size) in this run; ")
                .append(Plan.format(warmup)).append(" warm-up, ").append(Plan.format(duration))
                .append(" measured per step (in rate mode the client counts scheduled and sent messages over warm-up and measured"
                        + " time, echoed ones and latency over the measured time only). The generator's own lateness (actual minus intended send time) and its scheduled"
                        + " vs sent messages show when the generator, not the server, is the limit.\n\n");
        md.append("| server | closed-loop msg/s | offered | offered msg/s | p50 µs | p99 µs | p99.9 µs"
                + " | generator late p99 µs | scheduled | sent | echoed | generator kept up | errors |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|\n");
        for (String server : servers()) {
            for (CurvePoint p : pointsOf(server)) {
                md.append("| ").append(server).append(" | ").append(Report.count(closedLoopPerSecond.getOrDefault(server, Double.NaN)))
                        .append(" | ").append(p.percent()).append(" % | ").append(Report.count(p.offeredPerSecond())).append(" | ");
                if (!p.ok()) {
                    md.append("failed: ").append(p.failure().replace("|", "\\|")).append(" |  |  |  |  |  |  |  |  |\n");
                    continue;
                }
                md.append(Report.decimal(p.latencyP50Micros())).append(" | ")
                        .append(Report.decimal(p.latencyP99Micros())).append(" | ").append(Report.decimal(p.latencyP999Micros()))
                        .append(" | ").append(Report.decimal(p.latenessP99Micros())).append(" | ")
                        .append(Report.count(p.scheduledMessages())).append(" | ").append(Report.count(p.sentMessages())).append(" | ")
                        .append(Report.count(p.echoedMessages())).append(" | ").append(p.generatorKept() ? "yes" : "**no**").append(" | ").append(p.errors())
                        .append(p.errorDetail().isEmpty() ? "" : " (" + p.errorDetail() + ")").append(" |\n");
            }
        }
        return md.toString();
    }

    String csv() {
        StringBuilder csv = new StringBuilder("server,connections,size_bytes,closed_loop_per_s,percent,offered_per_s,"
                + "latency_p50_us,latency_p99_us,latency_p999_us,lateness_p99_us,scheduled,sent,echoed,generator_kept,errors,failure\n");
        for (String server : servers()) {
            for (CurvePoint p : pointsOf(server)) {
                csv.append(String.join(",", server, Integer.toString(cell.connections()), Integer.toString(cell.sizeBytes()),
                        plain(closedLoopPerSecond.getOrDefault(server, Double.NaN)), Integer.toString(p.percent()),
                        plain(p.offeredPerSecond()), plain(p.latencyP50Micros()),
                        plain(p.latencyP99Micros()), plain(p.latencyP999Micros()), plain(p.latenessP99Micros()),
                        Long.toString(p.scheduledMessages()), Long.toString(p.sentMessages()), Long.toString(p.echoedMessages()),
                        Boolean.toString(p.generatorKept()),
                        Long.toString(p.errors()), p.failure() == null ? "" : "\"" + p.failure().replace("\"", "\"\"") + "\""))
                        .append('\n');
            }
        }
        return csv.toString();
    }

    String json() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("connections", cell.connections());
        json.put("sizeBytes", cell.sizeBytes());
        json.put("warmupSeconds", warmup.toMillis() / 1000.0);
        json.put("durationSeconds", duration.toMillis() / 1000.0);
        json.put("closedLoopPerSecond", closedLoopPerSecond);
        List<Object> steps = new ArrayList<>();
        for (CurvePoint p : points) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("server", p.server());
            o.put("percent", p.percent());
            o.put("offeredPerSecond", p.offeredPerSecond());
            o.put("latencyP50Micros", p.latencyP50Micros());
            o.put("latencyP99Micros", p.latencyP99Micros());
            o.put("latencyP999Micros", p.latencyP999Micros());
            o.put("latenessP99Micros", p.latenessP99Micros());
            o.put("scheduledMessages", p.scheduledMessages());
            o.put("sentMessages", p.sentMessages());
            o.put("echoedMessages", p.echoedMessages());
            o.put("generatorKept", p.generatorKept());
            o.put("errors", p.errors());
            o.put("errorDetail", p.errorDetail());
            o.put("failure", p.failure());
            steps.add(o);
        }
        json.put("steps", steps);
        return ReportJson.write(json);
    }

    private List<String> servers() {
        List<String> servers = new ArrayList<>(closedLoopPerSecond.keySet());
        points.stream().map(CurvePoint::server).filter(s -> !servers.contains(s)).distinct().forEach(servers::add);
        return servers;
    }

    private List<CurvePoint> pointsOf(String server) {
        return points.stream().filter(p -> p.server().equals(server)).sorted((a, b) -> Integer.compare(a.percent(), b.percent())).toList();
    }

    private static String plain(double value) {
        return Double.isNaN(value) || Double.isInfinite(value) ? "" : String.format(java.util.Locale.ROOT, "%.6g", value);
    }
}
