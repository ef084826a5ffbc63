package org.nioecho.bench;

import org.nioecho.server.Units;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The side-by-side comparison: this project's reactor against a thread-per-connection
 * server, the same on virtual threads (JDK 21+), Netty (NIO, epoll and io_uring, one
 * event-loop thread, or N with {@code netty-epoll-N}) and any external command, each in its
 * own process, under the client's load generator in another. Writes Markdown (also on
 * stdout), CSV, JSON and an SVG chart; with {@code --curve} also the latency-under-load curve
 * (open loop at rising fractions of each server's closed-loop rate) and its SVG.
 *
 * <pre>{@code
 * java -cp bench/target/benchmarks.jar org.nioecho.bench.Compare --quick
 * java -cp bench/target/benchmarks.jar org.nioecho.bench.Compare --quick --curve --pin \
 *     --servers reactor,netty-epoll,netty-io_uring
 * java -cp bench/target/benchmarks.jar org.nioecho.bench.Compare \
 *     --external 'socat-fork=socat TCP-LISTEN:{port},bind=127.0.0.1,backlog=1024,fork,reuseaddr EXEC:cat'
 * }</pre>
 */
@Command(name = "compare", mixinStandardHelpOptions = true, versionProvider = BenchVersion.class,
        sortOptions = false, usageHelpAutoWidth = true,
        description = {
            "Compares echo servers side by side, each in its own process, under the client's load generator."
                + " Matrix: ping-pong at each --connections x --sizes, connection churn, idle capacity;"
                + " servers interleaved and repeated, medians and ratios to the reactor reported.",
            "Progress and the plan go to stderr; the Markdown report to stdout and, with CSV, JSON and SVG, to --out."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:every run completed and the load generator counted no errors",
            "1:the report was written, but some runs failed or counted errors (see its Notes)",
            "2:bad usage: an invalid option or value",
            "3:cannot run: a jar is missing, the output directory cannot be written, or no server can run here"})
public final class Compare implements Callable<Integer> {
    static final List<String> DEFAULT_SERVERS = List.of("reactor", "blocking", "virtual", "netty-epoll", "netty-io_uring");

    /** With --pin: the CPU every server runs on, and the load generator's. */
    static final String SERVER_CPU = "0";
    static final String CLIENT_CPU = "1";

    @Spec
    private CommandSpec spec;

    @Option(names = "--quick", description = "One small cell per server: ping-pong, 100 connections x 64 B, 1 s warm-up + 2 s measured, 1 round (under a minute).")
    private boolean quick;

    @Option(names = "--servers", paramLabel = "LIST", split = ",",
            description = "Built-in servers to run, of: reactor, blocking, virtual, netty-nio, netty-epoll, netty-io_uring,"
                    + " netty-TRANSPORT-N (N event-loop threads, e.g. netty-epoll-2), c-epoll (bench/c/epoll_echo.c compiled with cc,"
                    + " the CPU floor) and reactor-N (the server with --reactors N, once it has that option)"
                    + " (default: ${DEFAULT-VALUE}).")
    private List<String> servers = new ArrayList<>(DEFAULT_SERVERS);

    @Option(names = "--external", paramLabel = "NAME=COMMAND",
            description = "Also run this server command (with /bin/sh -c; its process tree is measured). Either {port} in it becomes a free port, e.g."
                    + " 'socat-fork=socat TCP-LISTEN:{port},bind=127.0.0.1,backlog=1024,fork,reuseaddr EXEC:cat', or the command prints"
                    + " '... listening on HOST:PORT' itself, e.g. 'my-server=/opt/my-echo-server 0'. Repeatable.")
    private List<String> external = new ArrayList<>();

    @Option(names = "--connections", paramLabel = "LIST", split = ",",
            description = "Ping-pong connection counts (default: 1,100,1000,10000).")
    private List<Integer> connections = new ArrayList<>(List.of(1, 100, 1000, 10_000));

    @Option(names = "--sizes", paramLabel = "LIST", split = ",", description = "Ping-pong message sizes (default: 64,16KiB).")
    private List<String> sizes = new ArrayList<>(List.of("64", "16KiB"));

    @Option(names = "--churn-connections", paramLabel = "N",
            description = "Connections in flight for the churn cell; 0 skips it (default: ${DEFAULT-VALUE}).")
    private int churnConnections = 100;

    @Option(names = "--idle-connections", paramLabel = "N",
            description = "Idle connections held for the capacity cell; 0 skips it (default: ${DEFAULT-VALUE}).")
    private int idleConnections = 10_000;

    @Option(names = "--duration", paramLabel = "DURATION", description = "Measured time per run (default: ${DEFAULT-VALUE}).")
    private String duration = "2s";

    @Option(names = "--warmup", paramLabel = "DURATION", description = "Warm-up per run, not measured (default: ${DEFAULT-VALUE}).")
    private String warmup = "1s";

    @Option(names = "--repeat", paramLabel = "N", description = "Rounds: runs per server and cell (default: ${DEFAULT-VALUE}).")
    private int repeat = 3;

    @Option(names = "--server-jvm-options", paramLabel = "OPTIONS",
            description = "JVM options for every Java server, space-separated, e.g. '-Xmx64m' (default: none, JVM defaults).")
    private String serverJvmOptions = "";

    @Option(names = "--out", paramLabel = "DIR",
            description = "Where the reports go (default: bench/results of the project around the working directory,"
                    + " else ./bench-results).")
    private Path out;

    @Option(names = "--server-jar", paramLabel = "JAR", description = "The reactor (default: -Dnioecho.server.jar, else server/target/echo-server.jar found upwards).")
    private Path serverJar;

    @Option(names = "--client-jar", paramLabel = "JAR", description = "The load generator (default: -Dnioecho.client.jar, else client/target/echo-client.jar found upwards).")
    private Path clientJar;

    @Option(names = "--bench-jar", paramLabel = "JAR", description = "The peer servers (default: -Dnioecho.bench.jar, else the jar this runs from, else bench/target/benchmarks.jar).")
    private Path benchJar;

    @Option(names = "--curve", description = "Also measure latency under load: each server open loop (the client's rate mode)"
            + " at 10, 25, 50, 75, 90, 100 and 120 %% of the rate it reached closed loop on --curve-connections x --curve-size"
            + " in this run (that ping-pong cell is added to the matrix if missing); p50/p99/p99.9 per step and a log-scale SVG.")
    private boolean curve;

    @Option(names = "--curve-connections", paramLabel = "N", description = "Connections for the curve (default: ${DEFAULT-VALUE}).")
    private int curveConnections = 1000;

    @Option(names = "--curve-size", paramLabel = "SIZE", description = "Message size for the curve (default: ${DEFAULT-VALUE}).")
    private String curveSize = "64";

    @Option(names = "--curve-duration", paramLabel = "DURATION",
            description = "Measured time per curve step, after --warmup (default: ${DEFAULT-VALUE}).")
    private String curveDuration = "5s";

    @Option(names = "--pin", description = "Run every server under 'taskset -c 0' and the load generator under 'taskset -c 1',"
            + " so that they do not compete for a core (needs taskset and 2 or more CPUs).")
    private boolean pin;

    @Option(names = "--tls", description = "Also run the TLS cells (after the rest): handshakes/s and 16 KiB streaming over TLS 1.3"
            + " on --tls-servers, all serving one certificate made for the run.")
    private boolean tls;

    @Option(names = "--tls-only", description = "Run only the TLS cells (implies --tls).")
    private boolean tlsOnly;

    @Option(names = "--tls-servers", paramLabel = "LIST", split = ",",
            description = "TLS servers, of: reactor-tls, netty-epoll-tls-jdk, netty-epoll-tls-openssl (default: all three).")
    private List<String> tlsServers = new ArrayList<>(TlsContenders.NAMES);

    @Option(names = "--tls-handshake-connections", paramLabel = "N",
            description = "Client threads doing handshakes concurrently (default: ${DEFAULT-VALUE}).")
    private int tlsHandshakeConnections = 8;

    @Option(names = "--tls-stream-connections", paramLabel = "N",
            description = "Connections streaming 16 KiB writes (default: ${DEFAULT-VALUE}).")
    private int tlsStreamConnections = 4;

    @Option(names = "--tls-duration", paramLabel = "DURATION", description = "Measured time per TLS run (default: ${DEFAULT-VALUE}).")
    private String tlsDuration = "4s";

    @Option(names = "--tls-warmup", paramLabel = "DURATION",
            description = "Warm-up per TLS run, not measured; longer than --warmup as both JITs warm on handshakes (default: ${DEFAULT-VALUE}).")
    private String tlsWarmup = "6s";

    @Option(names = "--plan", description = "Print the plan and its expected time, run nothing.")
    private boolean planOnly;

    /** Runs the comparison; exits with the code documented in {@code --help}. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new Compare()).execute(args));
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        applyQuickDefaults();
        Duration durationValue = duration("--duration", duration, Duration.ofMillis(500));
        Duration warmupValue = duration("--warmup", warmup, Duration.ZERO);
        Duration tlsMeasured = duration("--tls-duration", tlsDuration, Duration.ofMillis(500));
        Duration tlsWarmupValue = duration("--tls-warmup", tlsWarmup, Duration.ZERO);
        checkTlsOptions();
        if (tlsOnly) {
            return tlsOnly(tlsWarmupValue, tlsMeasured, stdout, err);
        }
        List<Cell> cells = cells();
        if (repeat < 1 || repeat > 20) {
            throw new ParameterException(spec.commandLine(), "Invalid value for option '--repeat': " + repeat + " (use 1..20)");
        }
        Map<String, String> externals = externals();
        Cell curveCell = curveCell();
        if (curveCell != null && !cells.contains(Cell.pingPong(curveCell.connections(), curveCell.sizeBytes()))) {
            cells.add(0, Cell.pingPong(curveCell.connections(), curveCell.sizeBytes()));
        }
        Duration curveMeasured = duration("--curve-duration", curveDuration, Duration.ofMillis(500));
        Path server = Jars.locate(serverJar, "nioecho.server.jar", "server/target/echo-server.jar", null);
        Path client = Jars.locate(clientJar, "nioecho.client.jar", "client/target/echo-client.jar", null);
        Path bench = Jars.locate(benchJar, "nioecho.bench.jar", "bench/target/benchmarks.jar", Compare.class);
        List<String> missing = new ArrayList<>();
        for (Path jar : new Path[] {server, client, bench}) {
            if (!Files.isRegularFile(jar)) {
                missing.add(jar.toString());
            }
        }
        if (!missing.isEmpty()) {
            err.println("compare: missing " + String.join(", ", missing) + " (build them with 'mvn -DskipTests package',"
                    + " or name them with --server-jar/--client-jar/--bench-jar)");
            return 3;
        }
        List<String> jvmOptions = serverJvmOptions.isBlank() ? List.of() : List.of(serverJvmOptions.trim().split("\\s+"));
        if (pin) {
            String problem = pinProblem();
            if (problem != null) {
                err.println("compare: cannot --pin: " + problem);
                return 3;
            }
        }
        List<ServerSpec> specs = pinned(Contenders.specs(servers, externals, javaCommand(), jvmOptions, server, bench));
        List<ServerSpec> runnable = specs.stream().filter(ServerSpec::runnable).toList();
        if (runnable.isEmpty()) {
            err.println("compare: none of the servers can run here: "
                    + String.join("; ", specs.stream().map(s -> s.name() + ": " + s.skipReason()).toList()));
            return 3;
        }
        Plan plan = Plan.of(runnable, cells, repeat, warmupValue, durationValue);
        CurvePlan curvePlan = curveCell == null ? null : CurvePlan.of(runnable, curveCell, warmupValue, curveMeasured);
        err.println("compare: " + plan.steps().size() + " runs (" + runnable.size() + " servers x " + cells.size() + " cells x "
                + repeat + " rounds), expected to take about " + Plan.format(plan.estimate()));
        if (curvePlan != null) {
            err.println("compare: then the latency curve, " + curvePlan.steps().size() + " open-loop runs (" + runnable.size()
                    + " servers x " + CurvePlan.PERCENTS.size() + " steps) on " + curveCell.label() + ", about "
                    + Plan.format(curvePlan.estimate()) + " more");
        }
        if (tls) {
            err.println("compare: then TLS, " + 2 * repeat * tlsServers.stream().distinct().count() + " runs on "
                    + String.join(", ", tlsServers.stream().distinct().toList()));
        }
        for (ServerSpec skipped : specs) {
            if (!skipped.runnable()) {
                err.println("compare: skipping " + skipped.name() + ": " + skipped.skipReason());
            }
        }
        err.flush();
        if (planOnly) {
            for (Plan.Step step : plan.steps()) {
                stdout.println(step.server().name() + "\t" + step.cell().label() + "\tround " + step.round());
            }
            if (curvePlan != null) {
                for (CurvePlan.Step step : curvePlan.steps()) {
                    stdout.println(step.server().name() + "\t" + curveCell.label() + "\t" + step.percent() + " %");
                }
            }
            stdout.flush();
            return 0;
        }
        MachineInfo machine = MachineInfo.current();
        Path outDir = out != null ? out : defaultOutDir();
        Path work = outDir.resolve("compare-" + machine.stamp() + "-runs");
        try {
            Files.createDirectories(work);
        } catch (IOException e) {
            err.println("compare: cannot write to " + outDir + ": " + e.getMessage());
            return 3;
        }
        // Copies, so that a rebuild of the tree during a long run cannot pull a jar from under it.
        Path serverCopy = Files.copy(server, work.resolve("echo-server.jar"));
        Path clientCopy = Files.copy(client, work.resolve("echo-client.jar"));
        Path benchCopy = Files.copy(bench, work.resolve("benchmarks.jar"));
        specs = pinned(Contenders.specs(servers, externals, javaCommand(), jvmOptions, serverCopy, benchCopy));
        runnable = specs.stream().filter(ServerSpec::runnable).toList();
        plan = Plan.of(runnable, cells, repeat, warmupValue, durationValue);
        curvePlan = curveCell == null ? null : CurvePlan.of(runnable, curveCell, warmupValue, curveMeasured);
        List<String> clientJava = new ArrayList<>(pin ? List.of("taskset", "-c", CLIENT_CPU) : List.of());
        clientJava.add(javaCommand());
        CellRunner runner = new CellRunner(new LoadGenerator(clientJava, clientCopy, work), warmupValue, durationValue);
        List<Measurement> measurements = new ArrayList<>();
        List<CurvePoint> curvePoints = new ArrayList<>();
        Map<String, Double> closedLoop = new LinkedHashMap<>();
        long started = System.nanoTime();
        List<TlsMeasurement> tlsResults = List.of();
        try {
            Duration remaining = plan.estimate();
            int index = 0;
            for (Plan.Step step : plan.steps()) {
                index++;
                Measurement m = runner.run(step.server(), step.cell(), step.round());
                measurements.add(m);
                remaining = remaining.minus(plan.estimate(step));
                err.println(String.format(Locale.ROOT, "[%3d/%d] %-16s %-28s round %d: %s (about %s left)", index,
                        plan.steps().size(), step.server().name(), step.cell().label(), step.round(), progress(m),
                        Plan.format(remaining.isNegative() ? Duration.ZERO : remaining)));
                err.flush();
            }
            if (curvePlan != null) {
                runCurve(curvePlan, runner, measurements, closedLoop, curvePoints, curveMeasured, err);
            }
            if (tls) {
                runner.close();
                tlsResults = runTls(serverCopy, benchCopy, work, jvmOptions, tlsWarmupValue, tlsMeasured, err);
            }
        } finally {
            runner.close();
            for (Path copy : new Path[] {serverCopy, clientCopy, benchCopy}) {
                Files.deleteIfExists(copy);
            }
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
        List<String> notes = new ArrayList<>();
        notes.add("Run with: java -cp benchmarks.jar org.nioecho.bench.Compare "
                + String.join(" ", spec.commandLine().getParseResult().originalArgs()));
        notes.addAll(runner.retries());
        if (pin) {
            notes.add("Pinned: every server under 'taskset -c " + SERVER_CPU + "', the load generator under 'taskset -c " + CLIENT_CPU
                    + "'; Compare itself and its /proc sampler are not pinned. Multi-threaded servers get one core, too.");
        }
        Report report = new Report(machine, new Report.Settings(warmupValue, durationValue, repeat, jvmOptions,
                client.toString(), specs, notes), measurements, elapsed, MachineInfo.readLoadAverage());
        CurveReport curveReport = curvePlan == null ? null
                : new CurveReport(curveCell, closedLoop, curvePoints, warmupValue, curveMeasured);
        String markdown = report.markdown() + (curveReport == null ? "" : curveReport.markdown())
                + (tls ? TlsCompare.markdown(tlsResults, tlsSpecs, tlsWarmupValue, tlsMeasured, repeat) : "");
        String base = "compare-" + machine.stamp();
        Files.writeString(outDir.resolve(base + ".md"), markdown, StandardCharsets.UTF_8);
        Files.writeString(outDir.resolve(base + ".csv"), report.summaryCsv(), StandardCharsets.UTF_8);
        Files.writeString(outDir.resolve(base + "-runs.csv"), report.runsCsv(), StandardCharsets.UTF_8);
        Files.writeString(outDir.resolve(base + ".json"), report.json(), StandardCharsets.UTF_8);
        Files.writeString(outDir.resolve(base + ".svg"), SvgChart.svg(report.summaries(),
                "nioecho comparison " + machine.date() + " (" + machine.cores() + " cores, JDK " + Runtime.version().feature() + ")"),
                StandardCharsets.UTF_8);
        if (tls) {
            Files.writeString(outDir.resolve(base + "-tls.csv"), TlsCompare.csv(tlsResults), StandardCharsets.UTF_8);
        }
        if (curveReport != null) {
            Files.writeString(outDir.resolve(base + "-curve.csv"), curveReport.csv(), StandardCharsets.UTF_8);
            Files.writeString(outDir.resolve(base + "-curve.json"), curveReport.json(), StandardCharsets.UTF_8);
            Files.writeString(outDir.resolve(base + "-curve.svg"), CurveChart.svg(curvePoints, "nioecho latency under load, "
                    + curveCell.connections() + " connections × " + Cell.size(curveCell.sizeBytes()) + ", " + machine.date() + " ("
                    + machine.cores() + " cores" + (pin ? ", pinned" : "") + ")"), StandardCharsets.UTF_8);
        }
        stdout.print(markdown);
        stdout.flush();
        err.println("compare: reports in " + outDir.toAbsolutePath().normalize() + "/" + base + ".{md,csv,json,svg} (and -runs.csv"
                + (curveReport == null ? "" : ", -curve.{csv,json,svg}") + (tls ? ", -tls.csv" : "") + ")");
        err.flush();
        long problems = report.problems() + (curveReport == null ? 0 : curveReport.problems()) + TlsCompare.problems(tlsResults);
        return problems == 0 ? 0 : 1;
    }

    /** The TLS specs of the last {@link #runTls}, for the report. */
    private List<ServerSpec> tlsSpecs = List.of();

    private void checkTlsOptions() {
        tls = tls || tlsOnly;
        for (String name : tlsServers) {
            if (!TlsContenders.known(name)) {
                throw new ParameterException(spec.commandLine(), "Invalid value for option '--tls-servers': '" + name + "' (use "
                        + String.join(", ", TlsContenders.NAMES) + ")");
            }
        }
        if (tlsHandshakeConnections < 1 || tlsHandshakeConnections > 256) {
            throw new ParameterException(spec.commandLine(), "Invalid value for option '--tls-handshake-connections': "
                    + tlsHandshakeConnections + " (use 1..256)");
        }
        if (tlsStreamConnections < 1 || tlsStreamConnections > 64) {
            throw new ParameterException(spec.commandLine(), "Invalid value for option '--tls-stream-connections': "
                    + tlsStreamConnections + " (use 1..64)");
        }
        if (repeat < 1 || repeat > 20) {
            throw new ParameterException(spec.commandLine(), "Invalid value for option '--repeat': " + repeat + " (use 1..20)");
        }
    }

    /** The TLS cells on copies of the jars in {@code work}, with a certificate made there. */
    private List<TlsMeasurement> runTls(Path serverCopy, Path benchCopy, Path work, List<String> jvmOptions, Duration warmupValue,
                                        Duration measured, PrintWriter err) throws IOException, InterruptedException {
        BenchCertificate certificate = BenchCertificate.create(work.resolve("tls"));
        List<ServerSpec> specs = TlsContenders.specs(tlsServers, javaCommand(), jvmOptions, serverCopy, benchCopy, certificate);
        tlsSpecs = pinned(specs);
        err.println("compare: TLS, " + 2 * repeat * tlsSpecs.size() + " runs (" + tlsSpecs.size() + " servers x 2 cells x " + repeat
                + " rounds), about " + Plan.format(warmupValue.plus(measured).plusSeconds(2).multipliedBy(2L * repeat * tlsSpecs.size())));
        err.flush();
        try {
            return new TlsCompare(tlsSpecs, certificate, warmupValue, measured, repeat, tlsHandshakeConnections, tlsStreamConnections)
                    .run(err);
        } finally {
            Files.deleteIfExists(certificate.certPem());
            Files.deleteIfExists(certificate.keyPem());
            Files.deleteIfExists(work.resolve("tls"));
        }
    }

    /** {@code --tls-only}: the TLS cells alone, their Markdown on stdout and with the CSV in --out. */
    private int tlsOnly(Duration warmupValue, Duration measured, PrintWriter stdout, PrintWriter err)
            throws IOException, InterruptedException {
        Path server = Jars.locate(serverJar, "nioecho.server.jar", "server/target/echo-server.jar", null);
        Path bench = Jars.locate(benchJar, "nioecho.bench.jar", "bench/target/benchmarks.jar", Compare.class);
        for (Path jar : new Path[] {server, bench}) {
            if (!Files.isRegularFile(jar)) {
                err.println("compare: missing " + jar + " (build it with 'mvn -DskipTests package', or name it with --server-jar/--bench-jar)");
                return 3;
            }
        }
        if (pin && pinProblem() != null) {
            err.println("compare: cannot --pin: " + pinProblem());
            return 3;
        }
        if (planOnly) {
            err.println("compare: TLS only, " + 2 * repeat * tlsServers.size() + " runs");
            return 0;
        }
        List<String> jvmOptions = serverJvmOptions.isBlank() ? List.of() : List.of(serverJvmOptions.trim().split("\\s+"));
        MachineInfo machine = MachineInfo.current();
        Path outDir = out != null ? out : defaultOutDir();
        Path work = outDir.resolve("compare-" + machine.stamp() + "-runs");
        Files.createDirectories(work);
        Path serverCopy = Files.copy(server, work.resolve("echo-server.jar"));
        Path benchCopy = Files.copy(bench, work.resolve("benchmarks.jar"));
        List<TlsMeasurement> results;
        try {
            results = runTls(serverCopy, benchCopy, work, jvmOptions, warmupValue, measured, err);
        } finally {
            Files.deleteIfExists(serverCopy);
            Files.deleteIfExists(benchCopy);
        }
        String markdown = "# nioecho TLS comparison, " + machine.date() + " (" + machine.cores() + " cores, JDK "
                + Runtime.version().feature() + ")\n" + TlsCompare.markdown(results, tlsSpecs, warmupValue, measured, repeat)
                + "\nRun with: java -cp benchmarks.jar org.nioecho.bench.Compare "
                + String.join(" ", spec.commandLine().getParseResult().originalArgs()) + "\n";
        String base = "compare-" + machine.stamp();
        Files.writeString(outDir.resolve(base + "-tls.md"), markdown, StandardCharsets.UTF_8);
        Files.writeString(outDir.resolve(base + "-tls.csv"), TlsCompare.csv(results), StandardCharsets.UTF_8);
        stdout.print(markdown);
        stdout.flush();
        err.println("compare: reports in " + outDir.toAbsolutePath().normalize() + "/" + base + "-tls.{md,csv}");
        err.flush();
        return TlsCompare.problems(results) == 0 ? 0 : 1;
    }

    /**
     * The curve's open-loop steps; each server's 100 % is its median closed-loop rate on the
     * curve's connections and size from this run's matrix.
     */
    private static void runCurve(CurvePlan curvePlan, CellRunner runner, List<Measurement> measurements, Map<String, Double> closedLoop,
                                 List<CurvePoint> points, Duration measured, PrintWriter err) throws InterruptedException {
        Cell closedCell = curvePlan.closedLoopCell();
        for (CurvePlan.Step step : curvePlan.steps()) {
            closedLoop.computeIfAbsent(step.server().name(), name -> Summary.median(measurements.stream()
                    .filter(m -> m.ok() && m.server().equals(name) && m.cell().equals(closedCell)).toList(), Measurement::rate));
        }
        int index = 0;
        for (CurvePlan.Step step : curvePlan.steps()) {
            index++;
            double rate = curvePlan.ratePerConnection(closedLoop.get(step.server().name()), step.percent());
            CurvePoint p = runner.rate(step.server(), curvePlan.cell(), step.percent(), rate, measured);
            points.add(p);
            err.println(String.format(Locale.ROOT, "[curve %2d/%d] %-14s %3d %% (%,.0f msg/s offered): %s", index,
                    curvePlan.steps().size(), step.server().name(), step.percent(), p.offeredPerSecond(), p.ok()
                            ? String.format(Locale.ROOT, "p50 %.0f µs, p99 %.0f µs, p99.9 %.0f µs, generator late p99 %.0f µs,"
                                    + " sent %d of %d%s", p.latencyP50Micros(), p.latencyP99Micros(),
                            p.latencyP999Micros(), p.latenessP99Micros(), p.sentMessages(), p.scheduledMessages(),
                            p.errors() > 0 ? ", errors " + p.errors() + " (" + p.errorDetail() + ")" : "")
                            : "FAILED: " + p.failure()));
            err.flush();
        }
    }

    /** The curve's rate cell, or null without --curve. */
    private Cell curveCell() {
        if (!curve) {
            return null;
        }
        if (curveConnections < 1 || curveConnections > 15_000) {
            throw new ParameterException(spec.commandLine(), "Invalid value for option '--curve-connections': " + curveConnections
                    + " (use 1..15000)");
        }
        try {
            int bytes = Units.parseIntBytes(curveSize);
            if (bytes < 1) {
                throw new IllegalArgumentException("a message holds at least one byte");
            }
            return Cell.rate(curveConnections, bytes);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "Invalid value for option '--curve-size': " + e.getMessage());
        }
    }

    /** With --pin, every server under {@code taskset -c 0}; else the specs as they are. */
    private List<ServerSpec> pinned(List<ServerSpec> specs) {
        return pin ? specs.stream().map(s -> s.pinnedTo(SERVER_CPU)).toList() : specs;
    }

    /** Why --pin cannot work here, or null. */
    private static String pinProblem() {
        if (Runtime.getRuntime().availableProcessors() < 2) {
            return "it needs 2 CPUs, this process may use " + Runtime.getRuntime().availableProcessors();
        }
        String path = System.getenv("PATH");
        for (String dir : (path == null ? "/usr/bin:/bin" : path).split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "taskset"))) {
                return null;
            }
        }
        return "taskset is not on the PATH (it is in util-linux)";
    }

    private static String progress(Measurement m) {
        if (!m.ok()) {
            return "FAILED: " + m.failure();
        }
        String errors = m.errors() > 0 ? ", errors " + m.errors() + " (" + m.errorDetail() + ")" : "";
        if (m.cell().kind() == Cell.Kind.IDLE) {
            return String.format(Locale.ROOT, "%d held, %.1f KiB/connection, %d threads%s", m.held(),
                    m.bytesPerConnection() / 1024, m.peakThreads(), errors);
        }
        String unit = m.cell().kind() == Cell.Kind.CHURN ? "conn" : "msg";
        return String.format(Locale.ROOT, "%,.0f %s/s, CPU %.2f µs/%s, RSS %.1f MiB, %d threads%s", m.rate(), unit,
                m.cpuSecondsPerOp() * 1e6, unit, m.peakRssBytes() / (double) (1 << 20), m.peakThreads(), errors);
    }

    /** --quick sets what the user did not set explicitly. */
    private void applyQuickDefaults() {
        if (!quick) {
            return;
        }
        CommandLine.ParseResult given = spec.commandLine().getParseResult();
        if (!given.hasMatchedOption("--connections")) {
            connections = List.of(100);
        }
        if (!given.hasMatchedOption("--sizes")) {
            sizes = List.of("64");
        }
        if (!given.hasMatchedOption("--churn-connections")) {
            churnConnections = 0;
        }
        if (!given.hasMatchedOption("--idle-connections")) {
            idleConnections = 0;
        }
        if (!given.hasMatchedOption("--duration")) {
            duration = "2s";
        }
        if (!given.hasMatchedOption("--repeat")) {
            repeat = 1;
        }
    }

    private List<Cell> cells() {
        List<Cell> cells = new ArrayList<>();
        List<Integer> sizeBytes = new ArrayList<>();
        for (String size : sizes) {
            try {
                int bytes = Units.parseIntBytes(size);
                if (bytes < 1) {
                    throw new IllegalArgumentException("a message holds at least one byte");
                }
                sizeBytes.add(bytes);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "Invalid value for option '--sizes': " + e.getMessage());
            }
        }
        for (int n : connections) {
            if (n < 1 || n > 15_000) {
                throw new ParameterException(spec.commandLine(), "Invalid value for option '--connections': " + n + " (use 1..15000)");
            }
        }
        List<Integer> sortedConnections = connections.stream().distinct().sorted().toList();
        for (int n : sortedConnections) {
            for (int size : sizeBytes.stream().distinct().toList()) {
                cells.add(Cell.pingPong(n, size));
            }
        }
        if (churnConnections < 0 || churnConnections > 15_000 || idleConnections < 0 || idleConnections > 15_000) {
            throw new ParameterException(spec.commandLine(), "--churn-connections and --idle-connections take 0..15000");
        }
        if (churnConnections > 0) {
            cells.add(Cell.churn(churnConnections, 64));
        }
        if (idleConnections > 0) {
            cells.add(Cell.idle(idleConnections));
        }
        if (cells.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "Nothing to run: no connections, sizes, churn or idle cell");
        }
        return cells;
    }

    private Map<String, String> externals() {
        Map<String, String> result = new LinkedHashMap<>();
        for (String entry : external) {
            int eq = entry.indexOf('=');
            String name = eq > 0 ? entry.substring(0, eq).trim() : "";
            String command = eq > 0 ? entry.substring(eq + 1).trim() : "";
            if (name.isEmpty() || command.isEmpty() || !name.matches("[A-Za-z0-9._-]+")) {
                throw new ParameterException(spec.commandLine(), "Invalid value for option '--external': '" + entry
                        + "' (use NAME=COMMAND, NAME of letters, digits, '.', '_' or '-')");
            }
            if (Contenders.known(name) || result.containsKey(name)) {
                throw new ParameterException(spec.commandLine(), "Invalid value for option '--external': the name '" + name + "' is taken");
            }
            result.put(name, command);
        }
        for (String name : servers) {
            if (!Contenders.known(name)) {
                throw new ParameterException(spec.commandLine(), "Invalid value for option '--servers': '" + name
                        + "' (use " + Contenders.NAMES + ")");
            }
        }
        return result;
    }

    private Duration duration(String option, String text, Duration minimum) {
        try {
            Duration value = Units.parseDuration(text);
            if (value.compareTo(minimum) < 0) {
                throw new IllegalArgumentException("'" + text + "' is shorter than " + Plan.format(minimum));
            }
            return value;
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "Invalid value for option '" + option + "': " + e.getMessage());
        }
    }

    private static String javaCommand() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static Path defaultOutDir() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("bench/pom.xml"))) {
                return dir.resolve("bench/results");
            }
        }
        return Path.of("bench-results");
    }
}
