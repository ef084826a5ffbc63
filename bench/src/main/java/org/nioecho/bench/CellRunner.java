package org.nioecho.bench;

import org.nioecho.harness.ServerProcess;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Runs the servers on the cells and measures them: the load from the client's load generator
 * in its own process, the server's CPU, memory and threads from {@code /proc}.
 *
 * <p>Server processes: for a ping-pong or churn cell each server is started fresh when the
 * cell begins and serves all of that cell's rounds (so its JIT warms up over the rounds, and
 * its peak RSS is that cell's); when the next cell begins they are stopped. For the idle
 * cell every run gets a fresh process, so memory per connection starts from a clean baseline.
 *
 * <p>CPU is attributed to the load's measured window only: the harness notes when the
 * kernel shows all the cell's connections up on the server's port, skips the warm-up,
 * trims a margin at both ends and divides the server's CPU rate there by the client's
 * message rate. If the window cannot be found it falls back to the whole run (warm-up
 * included) and says so.
 */
final class CellRunner implements AutoCloseable {
    private static final Duration SAMPLE_PERIOD = Duration.ofMillis(100);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    /** How long a server has to exit after SIGTERM before its process tree is killed. */
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);
    static final String NO_TRAFFIC = "no traffic";
    private static final int ATTEMPTS = 4;

    private final LoadGenerator load;
    private final Duration warmup;
    private final Duration duration;
    private final Duration idleTimeout;
    private final List<String> retries = new ArrayList<>();
    private final Map<String, ServerProcess> serving = new LinkedHashMap<>();
    private Cell servingCell;

    CellRunner(LoadGenerator load, Duration warmup, Duration duration) {
        this.load = Objects.requireNonNull(load, "load");
        this.warmup = Objects.requireNonNull(warmup, "warmup");
        this.duration = Objects.requireNonNull(duration, "duration");
        this.idleTimeout = Duration.ofSeconds(90);
    }

    /**
     * Measures {@code spec} on {@code cell}; failures become a failed {@link Measurement}, never an
     * exception. A run in which the load generator moved no traffic at all and counted no error
     * is the generator's fault, not a figure: it is tried again (up to {@value #ATTEMPTS} times in
     * all), and each retry is noted for the report.
     */
    Measurement run(ServerSpec spec, Cell cell, int round) throws InterruptedException {
        Measurement m = attempt(spec, cell, round);
        for (int attempt = 2; attempt <= ATTEMPTS && !m.ok() && m.failure().startsWith(NO_TRAFFIC); attempt++) {
            retries.add(spec.name() + ", " + cell.label() + ", round " + round + ": run again (" + m.failure() + ")");
            m = attempt(spec, cell, round);
        }
        return m;
    }

    /** The runs that had to be tried again, one line each. */
    List<String> retries() {
        return List.copyOf(retries);
    }

    private Measurement attempt(ServerSpec spec, Cell cell, int round) throws InterruptedException {
        if (cell.kind() == Cell.Kind.IDLE) {
            ServerProcess server;
            try {
                server = spec.start(START_TIMEOUT);
            } catch (IOException e) {
                return Measurement.failed(spec.name(), cell, round, oneLine(e.getMessage()));
            }
            try {
                return idle(server, spec, cell, round);
            } catch (IOException e) {
                return Measurement.failed(spec.name(), cell, round, oneLine(e.getMessage()));
            } finally {
                server.stop(STOP_GRACE);
            }
        }
        ServerProcess server = null;
        try {
            server = serverFor(spec, cell);
            return load(server, spec, cell, round);
        } catch (IOException e) {
            if (server != null && !server.isAlive()) {
                serving.remove(spec.name());
                server.stop(STOP_GRACE);
            }
            return Measurement.failed(spec.name(), cell, round, oneLine(e.getMessage()));
        }
    }

    /**
     * One open-loop step of the curve: {@code spec} on the rate {@code cell} at
     * {@code ratePerConnection} messages per second on each connection. The server process is
     * kept over the curve's steps, as for the other load cells; failures become a failed point.
     */
    CurvePoint rate(ServerSpec spec, Cell cell, int percent, double ratePerConnection, Duration measured)
            throws InterruptedException {
        double offered = ratePerConnection * cell.connections();
        if (Double.isNaN(ratePerConnection)) {
            return CurvePoint.failed(spec.name(), cell, percent, offered, "no closed-loop rate to take " + percent + " % of");
        }
        ServerProcess server = null;
        try {
            server = serverFor(spec, cell);
            String name = spec.name() + "-rate-" + cell.connections() + "x" + cell.sizeBytes() + "-" + percent + "pct";
            awaitNoConnections(server);
            LoadResult result;
            try {
                result = load.start(name, server.address(), cell, warmup, measured, ratePerConnection).finish();
            } catch (IOException e) {
                if (!server.isAlive()) {
                    throw new IOException(e.getMessage() + " (the server died" + server.lastOutput() + ")");
                }
                throw e;
            }
            LoadResult.Rate rate = result.rate();
            if (rate == null) {
                throw new IOException("the load generator's report has no rate figures (scheduledMessages): see " + name + ".json");
            }
            return new CurvePoint(spec.name(), cell, percent, offered, result.messages(), result.latencyP50Micros(),
                    result.latencyP99Micros(), result.latencyP999Micros(), rate.latenessP99Micros(), rate.scheduledMessages(),
                    rate.sentMessages(), rate.kept(), result.totalErrors(), result.errorSummary(), null);
        } catch (IOException e) {
            if (server != null && !server.isAlive()) {
                serving.remove(spec.name());
                server.stop(STOP_GRACE);
            }
            return CurvePoint.failed(spec.name(), cell, percent, offered, oneLine(e.getMessage()));
        }
    }

    /** The process serving {@code spec} for {@code cell}: the one already running, or a fresh one. */
    private ServerProcess serverFor(ServerSpec spec, Cell cell) throws IOException, InterruptedException {
        if (!cell.equals(servingCell)) {
            close();
            servingCell = cell;
        }
        ServerProcess server = serving.get(spec.name());
        if (server == null) {
            server = spec.start(START_TIMEOUT);
            serving.put(spec.name(), server);
        }
        return server;
    }

    /** Stops the servers of the current cell. */
    @Override
    public void close() throws InterruptedException {
        for (ServerProcess server : serving.values()) {
            server.stop(STOP_GRACE);
        }
        serving.clear();
        servingCell = null;
    }

    private Measurement load(ServerProcess server, ServerSpec spec, Cell cell, int round)
            throws IOException, InterruptedException {
        String name = spec.name() + "-" + cell.kind().label() + "-" + cell.connections() + "x" + cell.sizeBytes()
                + "-r" + round;
        LoadResult result;
        List<ProcessTree.Sample> samples;
        long connectedAt;
        awaitNoConnections(server);
        long startedAt = System.nanoTime();
        try (Sampler sampler = Sampler.start(server.pid(), SAMPLE_PERIOD)) {
            LoadGenerator.Run run = load.start(name, server.address(), cell, warmup, duration);
            int threshold = cell.kind() == Cell.Kind.CHURN ? 1 : cell.connections();
            connectedAt = awaitConnections(server, threshold, run);
            result = run.finish();
            samples = sampler.stop();
            if (sampler.problem() != null) {
                throw new IOException(sampler.problem() + server.lastOutput());
            }
        } catch (IOException e) {
            if (!server.isAlive()) {
                throw new IOException(e.getMessage() + " (the server died" + server.lastOutput() + ")");
            }
            throw e;
        }
        double opsPerSecond = cell.kind() == Cell.Kind.CHURN ? result.connectsPerSecond() : result.messagesPerSecond();
        if (opsPerSecond == 0 && result.totalErrors() == 0) {
            throw new IOException(NO_TRAFFIC + ": the load generator reported no messages and no errors (see " + name + ".log)");
        }
        double cpuPerOp = Double.NaN;
        String method = "window";
        if (connectedAt > 0) {
            long margin = duration.toNanos() / 10;
            long from = connectedAt + warmup.toNanos() + margin;
            long to = connectedAt + warmup.toNanos() + duration.toNanos() - margin;
            cpuPerOp = Sampler.cpuRate(samples, from, to) / opsPerSecond;
        }
        if (Double.isNaN(cpuPerOp)) {
            method = "whole run";
            double cpu = samples.get(samples.size() - 1).cpuSeconds() - samples.get(0).cpuSeconds();
            double seconds = (samples.get(samples.size() - 1).nanoTime() - startedAt) / 1e9;
            cpuPerOp = opsPerSecond > 0 ? cpu / (opsPerSecond * Math.min(seconds, (warmup.plus(duration)).toNanos() / 1e9)) : Double.NaN;
        }
        return new Measurement(spec.name(), cell, round, null, opsPerSecond,
                result.latencyP50Micros(), result.latencyP99Micros(), result.connectP99Millis(),
                cpuPerOp, method, Sampler.peakRss(samples), Sampler.peakThreads(samples),
                result.totalErrors(), result.errorSummary(), 0, 0, 0);
    }

    /**
     * Polls the kernel's socket table until {@code threshold} server-side sockets are up on the
     * port; the time they were seen, or 0 if the client ended first or it took over a minute.
     */
    private static long awaitConnections(ServerProcess server, int threshold, LoadGenerator.Run run)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (run.isAlive() && System.nanoTime() < deadline) {
            if (SocketCount.serverSide(server.address()) >= threshold) {
                return System.nanoTime();
            }
            Thread.sleep(20); // poll period of the kernel's table, not synchronisation
        }
        return 0;
    }

    /** Lets the previous round's connections finish closing, so that they are not counted as this round's. */
    private static void awaitNoConnections(ServerProcess server) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (SocketCount.serverSide(server.address()) > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20); // poll period of the kernel's table, not synchronisation
        }
    }

    private Measurement idle(ServerProcess server, ServerSpec spec, Cell cell, int round)
            throws IOException, InterruptedException {
        ProcessTree.Sample before = ProcessTree.sample(server.pid());
        try (Sampler sampler = Sampler.start(server.pid(), SAMPLE_PERIOD);
             IdleConnections idle = IdleConnections.open(server.address(), cell.connections(), idleTimeout)) {
            ProcessTree.Sample with = ProcessTree.sample(server.pid());
            List<ProcessTree.Sample> samples = sampler.stop();
            Map<String, Integer> failures = idle.failures();
            StringBuilder detail = new StringBuilder();
            failures.forEach((cause, count) -> detail.append(detail.length() > 0 ? " " : "").append(cause).append('=').append(count));
            return new Measurement(spec.name(), cell, round, null, Double.NaN, Double.NaN, Double.NaN,
                    Double.NaN, Double.NaN, "", Sampler.peakRss(samples), Math.max(with.threads(), Sampler.peakThreads(samples)),
                    idle.failed(), detail.toString(), idle.held(), before.rssBytes(), with.rssBytes());
        }
    }

    private static String oneLine(String message) {
        return message == null ? "(no message)" : message.replace('\n', ' ').replaceAll("\\s+", " ").trim();
    }
}
