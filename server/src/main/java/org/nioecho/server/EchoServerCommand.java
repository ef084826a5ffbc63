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
import java.net.InetSocketAddress;
import java.nio.channels.Channel;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The server's command line: {@code java -jar echo-server.jar [options]}.
 * Prints {@code nioecho server listening on HOST:PORT} once bound (with several
 * {@code --listen} addresses, each after the first follows on the same line, separated by a
 * space); SIGTERM or SIGINT shut it down gracefully and print a one-line summary.
 */
@Command(name = "echo-server", mixinStandardHelpOptions = true, versionProvider = EchoServerCommand.Version.class,
        sortOptions = false, usageHelpAutoWidth = true,
        description = "TCP echo server (RFC 862) on one non-blocking Selector reactor.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:stopped by SIGTERM/SIGINT after a graceful drain (or --help/--version)",
            "1:could not start or failed while running (e.g. address in use)",
            "2:bad usage: an invalid option or value; --inherited without a socket it can serve on standard input"})
public final class EchoServerCommand implements Callable<Integer> {
    private static final System.Logger LOG = System.getLogger(EchoServerCommand.class.getName());
    @Spec
    private CommandSpec spec;

    @Option(names = "--port", paramLabel = "PORT", description = "TCP port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    private int port = ServerConfig.DEFAULT_PORT;

    @Option(names = "--bind", paramLabel = "ADDRESS", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    private String bind = "127.0.0.1";

    @Option(names = "--listen", paramLabel = "HOST:PORT",
            description = "Listen on HOST:PORT instead of --bind/--port, e.g. 127.0.0.1:9877, [::1]:9877, 0.0.0.0:7;"
                    + " repeatable: one reactor serves them all (--bind still sets the admin port's address).")
    private List<String> listen = new ArrayList<>();

    @Option(names = "--tls-listen", paramLabel = "HOST:PORT",
            description = "Also listen on HOST:PORT for TLS echo (the --tls-* certificate options apply), beside the plain"
                    + " listeners; repeatable, e.g. --tls-listen 127.0.0.1:9443 (docs/tls.md).")
    private List<String> tlsListen = new ArrayList<>();

    @Option(names = "--inherited",
            description = "Serve the socket a super-server passes on standard input (systemd socket activation, xinetd,"
                    + " inetd): a listening socket (Accept=no, wait=yes) is served like --listen; a connection (Accept=yes,"
                    + " nowait) is echoed, then the server exits 0. Nothing but the echo goes to a stream that is a socket.")
    private boolean inherited;

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

    @Option(names = "--send-buffer", paramLabel = "SIZE",
            description = "SO_SNDBUF of each connection; 0 = the kernel's default and autotuning (default: ${DEFAULT-VALUE}).")
    private String sendBuffer = "0";

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

    @Option(names = "--reactors", paramLabel = "N|auto",
            description = "Reactor threads, each with its own selector; the first accepts and hands connections to"
                    + " all in turn; auto = the available processors (default: ${DEFAULT-VALUE}, the single reactor).")
    private String reactors = "1";

    @Option(names = {"--admin-port", "--metrics-port"}, paramLabel = "PORT",
            description = "Serve Prometheus text (OpenMetrics if asked) at http://BIND:PORT/metrics, the faults"
                    + " at /faults (GET, PUT, DELETE), and /ready and /live; 0 picks a port (default: off).")
    private Integer adminPort;

    @Option(names = "--live-timeout", paramLabel = "DURATION",
            description = "/live answers 503 once the reactor has not turned for this long (default: ${DEFAULT-VALUE}).")
    private String liveTimeout = "5s";
    private Duration liveTimeoutValue;

    @Option(names = "--fault", paramLabel = "SPEC",
            description = "Misbehave on purpose, e.g. reset:after=1KiB, close:after=2s, limit:bytes=100, stall:after=64KiB,"
                    + " blackhole, latency:delay=200ms,jitter=50ms, bandwidth:rate=64KiB, slice:size=1..16,delay=10ms;"
                    + " each takes probability=P (share of new connections, default 1). Repeatable.")
    private List<String> faults = new ArrayList<>();

    @Option(names = "--fault-seed", paramLabel = "SEED",
            description = "Seed of the fault draws, for a run that repeats (default: random, logged at start).")
    private Long faultSeed;

    @Option(names = "--udp",
            description = "Also serve UDP echo on the listening address and port; never answers source ports"
                    + " 0, 7, 9, 13, 19, 37 or the server's own endpoints (default: off).")
    private boolean udp;

    @Option(names = "--udp-rate", paramLabel = "N",
            description = "With --udp: answer at most N datagrams a second per source address (burst N);"
                    + " 0 = no limit (default: ${DEFAULT-VALUE}).")
    private int udpRate;
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

    /** With {@code --inherited} and a connection on standard input: its peer, for the start line. */
    private String inheritedPeer;
    private boolean inheritedUdp; // --inherited found a datagram socket: served with UDP echo only

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
        if (inherited) { // first of all: standard output, maybe standard error too, may be the client's socket
            StandardStreams streams = StandardStreams.underSuperServer(out, err);
            out = streams.console();
            err = streams.errors();
        }
        TlsConfig tlsConfig;
        try {
            boolean anyTls = tls || !tlsListen.isEmpty();
            tlsConfig = TlsOptions.load(anyTls, tlsCert, tlsKey, tlsKeystore, tlsKeystorePasswordFile, tlsKeystorePasswordEnv,
                    anyTls ? duration("--tls-handshake-timeout", tlsHandshakeTimeout, false) : TlsConfig.DEFAULT_HANDSHAKE_TIMEOUT);
        } catch (TlsOptions.UsageException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        } catch (IllegalArgumentException e) { // a file missing, unreadable or not matching: one line
            err.println("echo-server: " + e.getMessage());
            err.flush();
            return 2;
        }
        ServerConfig config = config(tlsConfig);
        List<InetSocketAddress> addresses = listenAddresses(config);
        List<InetSocketAddress> tlsAddresses = tlsListenAddresses();
        // Micrometer is loaded only when its meters are served: less memory for everyone else. Only
        // PrometheusMeters' own methods name Micrometer's classes, so that verifying this one loads none.
        PrometheusMeters meters = adminPort != null ? PrometheusMeters.create() : null;
        EchoServer server;
        try {
            server = inherited ? startInherited(config, meters, System.inheritedChannel())
                    : EchoServer.start(config, tls ? Listeners.bind(List.of(), concat(addresses, tlsAddresses), config.backlog(), false)
                            : Listeners.bind(addresses, tlsAddresses, config.backlog(), config.udp()), meters != null ? meters.registry() : null);
        } catch (InheritedSocketRefused e) {
            err.println("echo-server: --inherited: " + e.getMessage());
            return 2;
        } catch (CannotListenException e) { // the others, if any were bound, are closed again
            err.println("echo-server: cannot listen on " + Addresses.format(e.address()) + ": " + e.reason());
            return 1;
        } catch (IOException e) {
            err.println("echo-server: cannot start on " + (inherited ? "the inherited socket" : formatAll(addresses)) + ": " + e.getMessage());
            return 1;
        }
        MetricsEndpoint metrics = null;
        if (meters != null) {
            try {
                metrics = MetricsEndpoint.start(new InetSocketAddress(config.bindAddress(), adminPort), meters);
                metrics.serve(FaultsEndpoint.PATH, new FaultsEndpoint(server.faultPlan()));
                HealthEndpoint.serve(metrics, server, liveTimeoutValue);
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
        // The bound addresses: the plain listeners first, then the TLS ones (--tls makes every one TLS).
        int plainCount = inherited ? (tls ? 0 : server.addresses().size()) : (tls ? 0 : addresses.size());
        List<InetSocketAddress> plainBound = server.addresses().subList(0, plainCount);
        List<InetSocketAddress> tlsBound = server.addresses().subList(plainCount, server.addresses().size());
        if (tlsConfig != null && !tlsBound.isEmpty()) {
            LOG.log(Level.INFO, "TLS on " + formatAll(tlsBound) + (plainBound.isEmpty() ? "" : ", plain TCP on " + formatAll(plainBound)));
        }
        if (config.udp() || inheritedUdp) {
            LOG.log(Level.INFO, "UDP echo on " + formatAll(plainBound)
                    + (config.udpRatePerSecond() > 0 ? " (at most " + config.udpRatePerSecond() + " replies/s per source)" : ""));
        }
        onTerminationSignal(server); // before the start line: a script may signal as soon as it reads it
        out.println((server.addresses().isEmpty() ? "nioecho server serving one inherited connection from " + inheritedPeer
                : "nioecho server listening on " + formatAll(server.addresses()))
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

    ServerConfig config(TlsConfig tlsConfig) { // package-private: CommandLineConfigTest reads it back
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
        check("--udp-rate", udpRate >= 0 && udpRate <= ServerConfig.MAX_UDP_RATE_PER_SECOND,
                udpRate + " is not a rate (0.." + ServerConfig.MAX_UDP_RATE_PER_SECOND + " datagrams a second)");
        check("--udp-rate", udpRate == 0 || udp, "needs --udp");
        if (adminPort != null) {
            check(adminPortName(), adminPort >= 0 && adminPort <= 65535, adminPort + " is not a port (0..65535)");
        }
        liveTimeoutValue = duration("--live-timeout", liveTimeout, false);
        check("--live-timeout", liveTimeoutValue.toMillis() >= 100, "'" + liveTimeout + "' is too short (at least 100ms)");
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
        int sendBufferBytes = option("--send-buffer", () -> Units.parseIntBytes(sendBuffer));
        long maxOutputMemoryBytes = option("--max-output-memory", () -> Units.parseBytes(maxOutputMemory));
        check("--max-output-memory", maxOutputMemoryBytes >= highWaterBytes,
                "'" + maxOutputMemory + "' must be at least the high-water mark (" + highWater + ")");
        check("--max-output-memory", maxOutputMemoryBytes <= ServerConfig.MAX_OUTPUT_MEMORY_BYTES,
                "'" + maxOutputMemory + "' is too large (at most 1TiB)");
        int reactorCount = reactorCount();
        check("--max-output-memory", maxOutputMemoryBytes / reactorCount >= highWaterBytes,
                "'" + maxOutputMemory + "' split over " + reactorCount + " reactors leaves less than the high-water mark ("
                        + highWater + ") to each");
        check("--bind", resolves(bind), "'" + bind + "' is not an address or a host name that resolves");
        check("--udp", !(udp && tls), "UDP echo is served beside plain listeners; with --tls every listener is TLS"
                + " (use --tls-listen for TLS beside plain TCP and UDP)");
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
                    .sendBufferBytes(sendBufferBytes)
                    .acceptBackoff(duration("--accept-backoff", acceptBackoff, false))
                    .drainTimeout(duration("--drain-timeout", drainTimeout, true))
                    .writeTimeout(duration("--write-timeout", writeTimeout, true))
                    .maxOutputMemoryBytes(maxOutputMemoryBytes)
                    .pressureWriteTimeout(duration("--pressure-write-timeout", pressureWriteTimeout, true))
                    .faults(faultSpecs)
                    .faultSeed(faultSeed != null ? faultSeed : System.nanoTime())
                    .udp(udp)
                    .udpRatePerSecond(udpRate)
                    .reactors(reactorCount)
                    .tls(tlsConfig)
                    .build();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "Invalid configuration: " + e.getMessage());
        }
    }

    /**
     * Serves {@code channel}, what {@link System#inheritedChannel()} returned: a listening TCP
     * socket like a {@code --listen} one, one connected TCP socket until it ends, or a bound
     * datagram socket (package-private: tests hand it a channel of their own).
     */
    EchoServer startInherited(ServerConfig config, PrometheusMeters meters, Channel channel)
            throws IOException, InheritedSocketRefused {
        if (channel instanceof ServerSocketChannel listener && listener.getLocalAddress() instanceof InetSocketAddress) {
            return EchoServer.start(config, Listeners.inherited(listener, config.tls() != null), meters != null ? meters.registry() : null);
        }
        if (channel instanceof SocketChannel connection && connection.getRemoteAddress() instanceof InetSocketAddress peer) {
            inheritedPeer = Addresses.format(peer);
            return EchoServer.serveInherited(config, connection, meters != null ? meters.registry() : null);
        }
        if (channel instanceof DatagramChannel datagrams && datagrams.getLocalAddress() instanceof InetSocketAddress) {
            inheritedUdp = true;
            return EchoServer.start(config, Listeners.inheritedDatagrams(datagrams), meters != null ? meters.registry() : null);
        }
        if (channel != null) {
            throw new InheritedSocketRefused("standard input is a socket this server cannot serve ("
                    + channel.getClass().getSimpleName() + "); it serves TCP and UDP over IPv4 or IPv6");
        }
        throw new InheritedSocketRefused("standard input is not a socket; run under a super-server"
                + " (systemd socket activation, xinetd, inetd, systemd-socket-activate --inetd)");
    }

    /** What {@code --inherited} found on standard input cannot be served. */
    static final class InheritedSocketRefused extends Exception {
        private static final long serialVersionUID = 1L;

        InheritedSocketRefused(String message) {
            super(message, null, false, false);
        }
    }

    /** The addresses of {@code --listen}, or the simple form's {@code --bind}:{@code --port}; none with {@code --inherited}. */
    List<InetSocketAddress> listenAddresses(ServerConfig config) { // package-private, like the three below: tests read them back
        if (inherited) {
            check("--inherited", listen.isEmpty() && !spec.commandLine().getParseResult().hasMatchedOption("--port"),
                    "the super-server passes the socket: --listen and --port do not go with it");
            check("--inherited", !stdinControl, "standard input is the socket: --stdin-control does not go with it");
            return List.of();
        }
        if (listen.isEmpty()) {
            return List.of(new InetSocketAddress(config.bindAddress(), config.port()));
        }
        check("--listen", !spec.commandLine().getParseResult().hasMatchedOption("--port"),
                "--port is the simple form of a single --listen; give the port in each --listen instead");
        List<InetSocketAddress> addresses = new ArrayList<>();
        for (String text : listen) {
            addresses.add(option("--listen", () -> Addresses.parse(text)));
        }
        return addresses;
    }

    /** The addresses of {@code --tls-listen} (TLS listeners beside the plain ones). */
    List<InetSocketAddress> tlsListenAddresses() {
        if (tlsListen.isEmpty()) {
            return List.of();
        }
        check("--tls-listen", !inherited, "the super-server passes the socket: --tls-listen does not go with --inherited (use --tls)");
        List<InetSocketAddress> addresses = new ArrayList<>();
        for (String text : tlsListen) {
            addresses.add(option("--tls-listen", () -> Addresses.parse(text)));
        }
        return addresses;
    }

    static List<InetSocketAddress> concat(List<InetSocketAddress> first, List<InetSocketAddress> second) {
        List<InetSocketAddress> all = new ArrayList<>(first);
        all.addAll(second);
        return all;
    }

    /** {@code 127.0.0.1:9877 [::1]:9877}: the start line's form, the first address where it always was. */
    static String formatAll(List<InetSocketAddress> addresses) {
        return String.join(" ", addresses.stream().map(Addresses::format).toList());
    }

    /** {@code --reactors}: a count within 1..{@link ServerConfig#MAX_REACTORS}, or {@code auto} (the available processors). */
    private int reactorCount() {
        if (reactors.equalsIgnoreCase("auto")) {
            return Math.min(Runtime.getRuntime().availableProcessors(), ServerConfig.MAX_REACTORS);
        }
        int count;
        try {
            count = Integer.parseInt(reactors.trim());
        } catch (NumberFormatException e) {
            count = 0;
        }
        check("--reactors", count >= 1 && count <= ServerConfig.MAX_REACTORS,
                "'" + reactors + "' is not a count within 1.." + ServerConfig.MAX_REACTORS + " or auto");
        return count;
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
