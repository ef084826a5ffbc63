package org.nioecho.client.scenario;

import org.nioecho.harness.ServerProcess;
import org.nioecho.kernel.TcpTable;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code echo-client scenario <name>|all [--keep-going] [--server-jar PATH] [--evidence tracepoints|polling|auto]
 * [--json FILE] [--html DIR]}: every case of
 * the notes, reproduced live with real server processes, sockets and kernel states, each
 * ending in a verdict (notes say / observed / MATCH or MISMATCH).
 *
 * <pre>{@code
 * java -jar client/target/echo-client.jar scenario all --keep-going
 * }</pre>
 */
@Command(name = "scenario", mixinStandardHelpOptions = true, versionProvider = ScenarioCommand.Version.class,
        description = {"Reproduce the cases of the notes live: start real server processes, drive real sockets, "
                + "read TCP states from the kernel, print a timeline and a verdict per scenario.",
                "Scenarios: startup, normal-close, simultaneous-close, many-close, signals, rst-before-accept, "
                        + "server-killed, server-shutdown, host-crash, client-host-crash, host-reboot, tls-truncation.",
                "Evidence: as root with tracefs, the kernel's own tracepoints (every transition, RST, error and "
                        + "retransmission); otherwise /proc/net/tcp is polled and fast states may be missed.",
                "host-crash, client-host-crash and host-reboot need root and 'ip' (network namespaces); without them they are "
                        + "SKIPPED with the reason, and skips alone do not fail a run."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every scenario that ran matched the notes (skipped ones are listed with their reason)",
                "1:a scenario did not match the notes (or its run broke)",
                "2:bad usage: unknown scenario name, missing server jar",
                "3:nothing was checked: every selected scenario was skipped",
                "4:the --json or --html report could not be written"})
public final class ScenarioCommand implements Callable<Integer> {
    /** The runs went as {@code 0}/{@code 3} say, but {@code --json}/{@code --html} could not be written. */
    static final int EXIT_REPORT_FAILED = 4;

    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME|all", description = "A scenario name, or 'all' for every one in order.")
    private String name;

    @Option(names = "--keep-going", description = "With 'all': run every scenario even after a mismatch.")
    private boolean keepGoing;

    @Option(names = "--server-jar", paramLabel = "PATH",
            description = "The server jar to run (default: -Dnioecho.server.jar, else server/target/echo-server.jar "
                    + "in the working directory or a parent, else in a parent of this jar's directory).")
    private Path serverJar;

    @Option(names = "--evidence", paramLabel = "tracepoints|polling|auto", defaultValue = "auto",
            description = "Where the kernel's side comes from: its tracepoints (root and tracefs), polling of "
                    + "/proc/net/tcp, or auto: tracepoints when available, else polling (default: ${DEFAULT-VALUE}).")
    private String evidence;

    @Option(names = "--json", paramLabel = "FILE",
            description = "Also write every run as JSON to FILE: name, verdict, evidence, transitions, resets, errors, "
                    + "retransmissions.")
    private Path jsonFile;

    @Option(names = "--html", paramLabel = "DIR",
            description = "Also write one sequence-diagram page per run and an index.html into DIR.")
    private Path htmlDir;

    @Override
    public Integer call() {
        List<Scenario> selected = select();
        Path jar = serverJar();
        Evidence.Mode mode = evidenceMode();
        ScenarioRunner runner = new ScenarioRunner(new ScenarioContext(jar, probeClassPath(), new Timeline(System.out), mode),
                System.err);
        int exit = ScenarioRunner.exitCode(runner.runAll(selected, keepGoing));
        try {
            if (jsonFile != null) {
                ScenarioJson.write(jsonFile, runner.records());
                System.out.println("json: " + jsonFile);
            }
            if (htmlDir != null) {
                HtmlReport.write(htmlDir, runner.records());
                System.out.println("html: " + htmlDir.resolve("index.html"));
            }
        } catch (IOException e) {
            System.err.println("scenario: cannot write the report: " + e.getMessage());
            return ScenarioRunner.EXIT_MISMATCH == exit ? exit : EXIT_REPORT_FAILED;
        }
        return exit;
    }

    private Evidence.Mode evidenceMode() {
        Evidence.Mode mode;
        try {
            mode = Evidence.Mode.parse(evidence);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        if (mode == Evidence.Mode.TRACEPOINTS) {
            Evidence.whyPolling(mode).ifPresent(why -> {
                throw new ParameterException(spec.commandLine(), "--evidence tracepoints: unavailable here: " + why);
            });
        }
        return mode;
    }

    private List<Scenario> select() {
        if (name.equals("all")) {
            return ScenarioRunner.SCENARIOS;
        }
        return List.of(ScenarioRunner.find(name).orElseThrow(() -> new ParameterException(spec.commandLine(),
                "unknown scenario '" + name + "' (one of: all, " + String.join(", ", ScenarioRunner.names()) + ")")));
    }

    private Path serverJar() {
        if (serverJar != null) {
            if (!Files.isRegularFile(serverJar)) {
                throw new ParameterException(spec.commandLine(), "--server-jar: no such file: " + serverJar);
            }
            return serverJar;
        }
        try {
            return ServerProcess.defaultJar();
        } catch (IllegalStateException e) {
            return besideOwnJar().orElseThrow(() -> new ParameterException(spec.commandLine(),
                    e.getMessage() + " (or give --server-jar PATH)"));
        }
    }

    /** server/target/echo-server.jar above the directory of this jar (client/target/echo-client.jar). */
    private static Optional<Path> besideOwnJar() {
        for (String entry : probeClassPath().split(File.pathSeparator)) {
            for (Path dir = Path.of(entry).toAbsolutePath().getParent(); dir != null; dir = dir.getParent()) {
                Path jar = dir.resolve("server/target/echo-server.jar");
                if (Files.isRegularFile(jar)) {
                    return Optional.of(jar);
                }
            }
        }
        return Optional.empty();
    }

    /** Where this class and the server's classes were loaded from: the shaded jar, or two class directories. */
    static String probeClassPath() {
        Set<String> entries = new LinkedHashSet<>();
        for (Class<?> type : List.of(ScenarioCommand.class, TcpTable.class)) {
            CodeSource source = type.getProtectionDomain().getCodeSource();
            if (source == null) {
                return System.getProperty("java.class.path");
            }
            try {
                entries.add(Path.of(source.getLocation().toURI()).toString());
            } catch (URISyntaxException e) {
                throw new IllegalStateException("cannot locate the classes of " + type.getName(), e);
            }
        }
        return String.join(File.pathSeparator, entries);
    }

    /** The version from the jar's manifest. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = ScenarioCommand.class.getPackage().getImplementationVersion();
            return new String[] {"echo-client scenario " + (version == null ? "(development build)" : version)};
        }
    }
}
