package org.nioecho.server;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import sun.misc.Signal;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.System.Logger.Level;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The server's command line: {@code java -jar echo-server.jar [options]}.
 * Prints {@code nioecho server listening on HOST:PORT} once bound; SIGTERM or SIGINT
 * shut it down gracefully and print a one-line summary.
 */
@Command(name = "echo-server", mixinStandardHelpOptions = true, versionProvider = EchoServerCommand.Version.class,
        sortOptions = false, usageHelpAutoWidth = true,
        description = "TCP echo server (RFC 862) on one non-blocking Selector reactor.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:stopped by SIGTERM/SIGINT after a graceful drain (or --help/--version)",
            "1:could not start or failed while running (e.g. address in use)",
            "2:bad usage: an invalid option or value"})
public final class EchoServerCommand implements Callable<Integer> {
    private static final System.Logger LOG = System.getLogger(EchoServerCommand.class.getName());
    @Spec
    private CommandSpec spec;

    @Option(names = "--port", paramLabel = "PORT", description = "TCP port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    private int port = ServerConfig.DEFAULT_PORT;

    @Option(names = "--bind", paramLabel = "ADDRESS", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    private String bind = "127.0.0.1";

    @Option(names = "--backlog", paramLabel = "N", description = "Listen backlog (default: ${DEFAULT-VALUE}).")
    private int backlog = 1024;

    @Option(names = "--max-connections", paramLabel = "N",
            description = "Open connections allowed; more are accepted and closed at once (default: ${DEFAULT-VALUE}).")
    private int maxConnections = 100_000;

    @Option(names = "--idle-timeout", paramLabel = "DURATION",
            description = "Close a connection after this long without input, e.g. 30s; 0 = never (default: ${DEFAULT-VALUE}).")
    private String idleTimeout = "0";

    @Option(names = "--low-water", paramLabel = "SIZE",
            description = "Resume reading a paused connection once it owes at most this (default: ${DEFAULT-VALUE}).")
    private String lowWater = "32KiB";

    @Option(names = "--high-water", paramLabel = "SIZE",
            description = "Stop reading a connection that owes this much; its output cap (default: ${DEFAULT-VALUE}).")
    private String highWater = "64KiB";

    @Option(names = "--read-buffer", paramLabel = "SIZE",
            description = "Shared read buffer, the most read per event (default: ${DEFAULT-VALUE}).")
    private String readBuffer = "64KiB";

    @Option(names = "--accept-backoff", paramLabel = "DURATION",
            description = "Pause accepting this long when descriptors run out (default: ${DEFAULT-VALUE}).")
    private String acceptBackoff = "1s";

    @Option(names = "--drain-timeout", paramLabel = "DURATION",
            description = "On SIGTERM/SIGINT, time allowed to send what is owed (default: ${DEFAULT-VALUE}).")
    private String drainTimeout = "5s";

    @Option(names = "--write-timeout", paramLabel = "DURATION",
            description = "Close a connection that owes bytes when its peer takes none of them for this long;"
                    + " 0 = never (default: ${DEFAULT-VALUE}).")
    private String writeTimeout = "60s";

    @Option(names = "--max-output-memory", paramLabel = "SIZE",
            description = "Direct memory for all output buffers; when used up, connections that would need more"
                    + " are not read until memory frees (default: ${DEFAULT-VALUE}).")
    private String maxOutputMemory = "64MiB";

    @Option(names = "--pressure-write-timeout", paramLabel = "DURATION",
            description = "While connections wait for output memory, close a connection holding it whose peer took"
                    + " nothing for this long (write.timeout), so stalled peers cannot starve the others;"
                    + " 0 = only --write-timeout (default: ${DEFAULT-VALUE}).")
    private String pressureWriteTimeout = "1s";

    @Option(names = {"--admin-port", "--metrics-port"}, paramLabel = "PORT",
            description = "Serve Prometheus text (OpenMetrics if asked) at http://BIND:PORT/metrics and the faults"
                    + " at /faults (GET, PUT, DELETE); 0 picks a port (default: off).")
    private Integer adminPort;

    @Option(names = "--fault", paramLabel = "SPEC",
            description = "Misbehave on purpose, e.g. reset:after=1KiB, close:after=2s, limit:bytes=100, stall:after=64KiB,"
                    + " blackhole, latency:delay=200ms,jitter=50ms, bandwidth:rate=64KiB, slice:size=1..16,delay=10ms;"
                    + " each takes probability=P (share of new connections, default 1). Repeatable.")
    private List<String> faults = new ArrayList<>();

    @Option(names = "--fault-seed", paramLabel = "SEED",
            description = "Seed of the fault draws, for a run that repeats (default: random, logged at start).")
    private Long faultSeed;

    @Option(names = "--tls",
            description = "Serve TLS (1.3 and 1.2) on the listener; without --tls-cert or --tls-keystore, with a"
                    + " self-signed certificate made at start, its SHA-256 on the start line (docs/tls.md).")
    private boolean tls;

    @Option(names = "--tls-cert", paramLabel = "PEM", description = "The server certificate chain (PEM), with --tls-key.")
    private java.nio.file.Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "PEM", description = "The certificate's private key (PEM, unencrypted PKCS#8).")
    private java.nio.file.Path tlsKey;

    @Option(names = "--tls-keystore", paramLabel = "FILE", description = "A PKCS#12 key store holding the key and chain.")
    private java.nio.file.Path tlsKeystore;

    @Option(names = "--tls-keystore-password-file", paramLabel = "FILE",
            description = "The key store's password: the first line of FILE.")
    private java.nio.file.Path tlsKeystorePasswordFile;

    @Option(names = "--tls-keystore-password-env", paramLabel = "NAME",
            description = "The key store's password: environment variable NAME (never on the command line).")
    private String tlsKeystorePasswordEnv;

    @Option(names = "--tls-handshake-timeout", paramLabel = "DURATION",
            description = "Close a TLS connection whose handshake is not done within this (default: ${DEFAULT-VALUE}).")
    private String tlsHandshakeTimeout = "10s";

    @Option(names = "--stdin-control",
            description = "Read control commands on stdin (pause-accept, resume-accept, interrupt-reactor, stats);"
                    + " for tests and the scenario suite.")
    private boolean stdinControl;

    @Option(names = "--log-level", paramLabel = "LEVEL",
            description = "debug, info, warn or error; resets and EOFs are logged at debug (default: info,"
                    + " or what -Djava.util.logging.config.file=FILE sets).")
    private String logLevel;

    /** Runs the server; exits with the code documented in {@code --help}. */
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        return new CommandLine(new EchoServerCommand());
    }

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        TlsConfig tlsConfig;
        try {
            tlsConfig = TlsOptions.load(tls, tlsCert, tlsKey, tlsKeystore, tlsKeystorePasswordFile, tlsKeystorePasswordEnv,
                    tls ? duration("--tls-handshake-timeout", tlsHandshakeTimeout, false) : TlsConfig.DEFAULT_HANDSHAKE_TIMEOUT);
        } catch (TlsOptions.UsageException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        } catch (IllegalArgumentException e) { // a file missing, unreadable or not matching: one line
            err.println("echo-server: " + e.getMessage());
            err.flush();
            return 2;
        }
        ServerConfig config = config(tlsConfig);
        // Micrometer is loaded only when its meters are served: less memory for everyone else. Only
        // PrometheusMeters' own methods name Micrometer's classes, so that verifying this one loads none.
        PrometheusMeters meters = adminPort != null ? PrometheusMeters.create() : null;
        EchoServer server;
        try {
            server = EchoServer.start(config, meters != null ? meters.registry() : null);
        } catch (BindException e) {
            err.println("echo-server: cannot listen on " + config.bindAddress() + ":" + config.port() + ": " + e.getMessage());
            return 1;
        } catch (IOException e) {
            err.println("echo-server: cannot start on " + config.bindAddress() + ":" + config.port() + ": " + e.getMessage());
            return 1;
        }
        MetricsEndpoint metrics = null;
        if (meters != null) {
            try {
                metrics = MetricsEndpoint.start(new InetSocketAddress(config.bindAddress(), adminPort), meters);
                metrics.serve(FaultsEndpoint.PATH, new FaultsEndpoint(server.faultPlan()));
            } catch (IOException e) {
                err.println("echo-server: cannot serve metrics on " + config.bindAddress() + ":" + adminPort + ": " + e.getMessage());
                server.close();
                return 1;
            }
        }
        if (!config.faults().isEmpty()) { // the seed, to repeat the run's draws
            LOG.log(Level.INFO, "faults: " + String.join(" ", config.faults().stream().map(FaultSpec::text).toList())
                    + " (--fault-seed " + config.faultSeed() + ")");
        }
        onTerminationSignal(server); // before the start line: a script may signal as soon as it reads it
        out.println("nioecho server listening on " + Addresses.format(server.address())
                + (tlsConfig == null ? "" : " tls sha256=" + tlsConfig.fingerprintSha256()));
        if (metrics != null) {
            out.println("nioecho admin on http://" + Addresses.format(metrics.address()));
            out.println("nioecho metrics on http://" + Addresses.format(metrics.address()) + "/metrics");
        }
        out.flush();
        if (stdinControl) {
            new StdinControl(server, System.in, out).start();
        }
        server.awaitTermination(Duration.ofDays(36500));
        if (metrics != null) {
            metrics.close();
            meters.close();
        }
        if (server.failure() != null) {
            err.println("echo-server: stopped by a failure: " + server.failure());
            return 1;
        }
        synchronized (out) {
            out.println("nioecho server stopped: " + server.metrics().summary());
            out.flush();
        }
        return 0;
    }

    private ServerConfig config(TlsConfig tlsConfig) {
        try {
            Logging.configure(logLevel);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(),
                    "Invalid value for option '--log-level': '" + logLevel + "' (use debug, info, warn or error)");
        }
        // Every value is checked here, before anything starts: one line naming the option, exit 2.
        check("--port", port >= 0 && port <= 65535, port + " is not a port (0..65535)");
        check("--backlog", backlog > 0, backlog + " must be positive");
        check("--max-connections", maxConnections > 0, maxConnections + " must be positive");
        if (adminPort != null) {
            check(adminPortName(), adminPort >= 0 && adminPort <= 65535, adminPort + " is not a port (0..65535)");
        }
        List<FaultSpec> faultSpecs = new ArrayList<>();
        for (String fault : faults) {
            faultSpecs.add(option("--fault", () -> FaultSpecs.parse(fault)));
        }
        check("--fault", faultSpecs.size() <= FaultSpecs.MAX_SPECS, "more than " + FaultSpecs.MAX_SPECS + " faults");
        int highWaterBytes = option("--high-water", () -> Units.parseIntBytes(highWater));
        check("--high-water", highWaterBytes > 0, "'" + highWater + "' must be positive");
        int lowWaterBytes = option("--low-water", () -> Units.parseIntBytes(lowWater));
        check("--low-water", lowWaterBytes < highWaterBytes,
                "'" + lowWater + "' must be below the high-water mark (" + highWater + ")");
        int readBufferBytes = option("--read-buffer", () -> Units.parseIntBytes(readBuffer));
        check("--read-buffer", readBufferBytes >= 64, "'" + readBuffer + "' must be at least 64 bytes");
        long maxOutputMemoryBytes = option("--max-output-memory", () -> Units.parseBytes(maxOutputMemory));
        check("--max-output-memory", maxOutputMemoryBytes >= highWaterBytes,
                "'" + maxOutputMemory + "' must be at least the high-water mark (" + highWater + ")");
        check("--max-output-memory", maxOutputMemoryBytes <= ServerConfig.MAX_OUTPUT_MEMORY_BYTES,
                "'" + maxOutputMemory + "' is too large (at most 1TiB)");
        check("--bind", resolves(bind), "'" + bind + "' is not an address or a host name that resolves");
        check("--high-water", tlsConfig == null || highWaterBytes >= TlsOptions.MIN_HIGH_WATER_BYTES,
                "'" + highWater + "' is below 32KiB, too small for TLS records (up to about 16.3KiB each)");
        try {
            return ServerConfig.builder()
                    .bindAddress(bind)
                    .port(port)
                    .backlog(backlog)
                    .maxConnections(maxConnections)
                    .idleTimeout(duration("--idle-timeout", idleTimeout, true))
                    .lowWaterBytes(lowWaterBytes)
                    .highWaterBytes(highWaterBytes)
                    .readBufferBytes(readBufferBytes)
                    .acceptBackoff(duration("--accept-backoff", acceptBackoff, false))
                    .drainTimeout(duration("--drain-timeout", drainTimeout, true))
                    .writeTimeout(duration("--write-timeout", writeTimeout, true))
                    .maxOutputMemoryBytes(maxOutputMemoryBytes)
                    .pressureWriteTimeout(duration("--pressure-write-timeout", pressureWriteTimeout, true))
                    .faults(faultSpecs)
                    .faultSeed(faultSeed != null ? faultSeed : System.nanoTime())
                    .tls(tlsConfig)
                    .build();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "Invalid configuration: " + e.getMessage());
        }
    }

    /** A duration within 0 (if {@code zeroAllowed}) and {@link ServerConfig#MAX_DURATION}. */
    private Duration duration(String name, String text, boolean zeroAllowed) {
        Duration value = option(name, () -> Units.parseDuration(text));
        check(name, zeroAllowed || !value.isZero(), "'" + text + "' must be positive");
        check(name, value.compareTo(ServerConfig.MAX_DURATION) <= 0,
                "'" + text + "' is too long (at most " + ServerConfig.MAX_DURATION.toHours() + "h)");
        return value;
    }

    /** The name the admin port was given under ({@code --metrics-port} is the old one), for messages. */
    private String adminPortName() {
        List<String> args = spec.commandLine().getParseResult().originalArgs();
        for (int i = args.size() - 1; i >= 0; i--) {
            if (args.get(i).startsWith("--metrics-port")) {
                return "--metrics-port";
            }
            if (args.get(i).startsWith("--admin-port")) {
                return "--admin-port";
            }
        }
        return "--admin-port";
    }

    private static boolean resolves(String host) {
        return !new InetSocketAddress(host, 0).isUnresolved(); // a literal, or a name the resolver knows
    }

    private void check(String name, boolean valid, String problem) {
        if (!valid) {
            throw new ParameterException(spec.commandLine(), "Invalid value for option '" + name + "': " + problem);
        }
    }

    private <T> T option(String name, java.util.function.Supplier<T> parse) {
        try {
            return parse.get();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "Invalid value for option '" + name + "': " + e.getMessage());
        }
    }

    /** SIGTERM and SIGINT start a graceful shutdown; a burst of them is one shutdown. */
    private static void onTerminationSignal(EchoServer server) {
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                Signal.handle(new Signal(name), signal -> server.shutdown());
            } catch (IllegalArgumentException e) {
                LOG.log(Level.WARNING, "cannot handle SIG" + name + " (" + e.getMessage() + "); it will stop the JVM abruptly");
            }
        }
    }

    /** The version from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = EchoServerCommand.class.getPackage().getImplementationVersion();
            return new String[] {"nioecho echo-server " + (version == null ? "(development build)" : version),
                    "Java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")"};
        }
    }
}
