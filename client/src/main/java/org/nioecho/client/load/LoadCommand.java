package org.nioecho.client.load;

import org.nioecho.client.ClientTls;
import org.nioecho.client.EchoClientCommand;
import org.nioecho.client.ExitCodes;
import org.nioecho.server.Units;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.function.Supplier;

/** {@code echo-client load}: a non-blocking load generator that verifies every echoed byte. */
@Command(name = "load", mixinStandardHelpOptions = true, versionProvider = EchoClientCommand.Version.class,
        sortOptions = false, usageHelpAutoWidth = true,
        // One array element per paragraph: picocli breaks a line after each element, and wraps
        // the element itself to the terminal's width.
        description = {"Drive the server with many connections from a few selector threads and verify every echoed byte.",
            "Modes: pingpong (send a message, wait for its echo), stream (keep --window bytes outstanding),"
                + " rate (open loop, --rate messages/s per connection, latency from the intended send time, so a"
                + " stalled server shows in the percentiles), churn (connect, echo one message, close, repeat).",
            "--udp: one connected datagram socket per --connections (a flow), pingpong or rate; every datagram"
                + " carries flow, sequence number and send time, so lost, duplicated, reordered and corrupt"
                + " datagrams are counted. Loss up to --max-loss passes; a corrupt byte never does.",
            "A progress line every second on stderr; the summary on stdout (on stderr with --json -)."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:every echoed byte verified, no connection errors",
            "1:unexpected failure (a stack trace is printed)",
            "2:bad usage: an invalid option or value",
            "10:echo mismatch: corrupt, missing or extra bytes",
            "11:connection errors (refused, reset, broken pipe, EOF, timed out, TLS failures, ...), echoes verified",
            "12:rate: the generator could not keep the requested rate (unsent, or sent over 1 s late)",
            "13:--udp: more datagrams lost than --max-loss allows (all that came back verified)"})
public final class LoadCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = "--host", paramLabel = "HOST", description = "Server host (default: ${DEFAULT-VALUE}).")
    private String host = "127.0.0.1";

    @Option(names = "--port", paramLabel = "PORT", description = "Server port (default: ${DEFAULT-VALUE}).")
    private int port = 9877;

    @Option(names = "--connections", paramLabel = "N", description = "Connections to open (default: ${DEFAULT-VALUE}).")
    private int connections = 10;

    @Option(names = "--size", paramLabel = "SIZE", description = "Message size, e.g. 64 or 4KiB, at most "
            + LoadConfig.MAX_SIZE_BYTES + " bytes (default: ${DEFAULT-VALUE}).")
    private String size = "64";

    @Option(names = "--duration", paramLabel = "DURATION", description = "Measured time, e.g. 30s (default: ${DEFAULT-VALUE}).")
    private String duration = "10s";

    @Option(names = "--warmup", paramLabel = "DURATION", description = "Traffic before the measured time, not counted (default: ${DEFAULT-VALUE}).")
    private String warmup = "0";

    @Option(names = "--mode", paramLabel = "MODE", description = "pingpong, stream, rate or churn (default: ${DEFAULT-VALUE}).")
    private String mode = "pingpong";

    @Option(names = "--window", paramLabel = "SIZE", description = "stream: bytes outstanding per connection (default: ${DEFAULT-VALUE}).")
    private String window = "64KiB";

    @Option(names = "--rate", paramLabel = "N", description = "rate: messages per second per connection (default: ${DEFAULT-VALUE}).")
    private double rate = 100;

    @Option(names = "--source-addresses", paramLabel = "ADDRESS", split = ",",
            description = "Local addresses to connect from, round robin, e.g. 127.0.0.2,127.0.0.3: each has its own ephemeral ports.")
    private List<String> sourceAddresses = new ArrayList<>();

    @Option(names = "--threads", paramLabel = "N", description = "Selector threads (default: ${DEFAULT-VALUE}).")
    private int threads = 1;

    @Option(names = "--connect-timeout", paramLabel = "DURATION", description = "Give up a connection attempt after this long (default: ${DEFAULT-VALUE}).")
    private String connectTimeout = "10s";

    @Option(names = "--drain-timeout", paramLabel = "DURATION",
            description = "After the run, wait this long for owed echoes; what is still owed counts as missing (default: ${DEFAULT-VALUE}).")
    private String drainTimeout = "5s";

    @Option(names = "--udp", description = "Load the server's UDP echo instead of TCP (modes pingpong and rate).")
    private boolean udp;

    @Option(names = "--datagram-timeout", paramLabel = "DURATION",
            description = "--udp pingpong: send the next datagram after this long without the echo; rate: at the end,"
                    + " stop waiting after this long without traffic (default: ${DEFAULT-VALUE}).")
    private String datagramTimeout = "1s";

    @Option(names = "--max-loss", paramLabel = "PERCENT",
            description = "--udp: the share of datagrams that may be lost, in %% (default: ${DEFAULT-VALUE}).")
    private double maxLoss = 1;
    @Option(names = "--tls", description = "Speak TLS (1.3 or 1.2), one SSLEngine per connection on the selector threads; "
            + "the server's certificate is checked against the JDK's trust store, or --ca.")
    private boolean tls;

    @Option(names = "--ca", paramLabel = "PEM", description = "TLS: trust the certificates in this PEM file.")
    private Path ca;

    @Option(names = "--insecure", description = "TLS: do not check the server's certificate (a warning on stderr).")
    private boolean insecure;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the summary as JSON to FILE ('-' for stdout).")
    private String json;

    @Option(names = "--quiet", description = "No progress lines.")
    private boolean quiet;

    @Override
    public Integer call() throws IOException, InterruptedException {
        LoadConfig config = config();
        PrintWriter err = spec.commandLine().getErr();
        Consumer<String> progress = line -> {
            if (!quiet) {
                err.println(line);
                err.flush();
            }
        };
        if (udp) {
            UdpLoadConfig udpConfig;
            try {
                udpConfig = new UdpLoadConfig(config,
                        positive("--datagram-timeout", option("--datagram-timeout", () -> Units.parseDuration(datagramTimeout))),
                        maxLoss);
            } catch (IllegalArgumentException e) {
                throw usage("Invalid configuration for --udp: " + e.getMessage());
            }
            UdpLoadReport report = new UdpLoadGenerator(udpConfig).run(progress);
            return emit(report.toText(), report.toJson(), report.exitCode());
        }
        LoadReport report = new LoadGenerator(config).run(progress);
        return emit(report.toText(), report.toJson(), report.exitCode());
    }

    /** Prints the summary (text on stdout, or on stderr with --json -) and the JSON; returns the exit code. */
    private int emit(String summary, String jsonSummary, int exitCode) {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        boolean jsonToStdout = "-".equals(json);
        PrintWriter text = jsonToStdout ? err : out;
        text.print(summary);
        text.flush();
        if (jsonToStdout) {
            out.println(jsonSummary);
            out.flush();
        } else if (json != null) {
            try {
                Files.writeString(Path.of(json), jsonSummary + System.lineSeparator(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                err.println("echo-client load: cannot write " + json + ": " + e.getMessage());
                return ExitCodes.FAILURE;
            }
        }
        return exitCode;
    }

    private LoadConfig config() {
        if (port < 1 || port > 65535) {
            throw usage("Invalid value for option '--port': " + port + " (use 1..65535)");
        }
        LoadMode loadMode;
        try {
            loadMode = LoadMode.valueOf(mode.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw usage("Invalid value for option '--mode': '" + mode + "' (use pingpong, stream, rate or churn)");
        }
        InetSocketAddress server = new InetSocketAddress(host, port);
        if (server.isUnresolved()) {
            throw usage("Invalid value for option '--host': cannot resolve '" + host + "'");
        }
        List<InetAddress> sources = new ArrayList<>();
        for (String s : sourceAddresses) {
            try {
                sources.add(InetAddress.getByName(s.trim()));
            } catch (UnknownHostException e) {
                throw usage("Invalid value for option '--source-addresses': cannot resolve '" + s + "'");
            }
        }
        long sizeBytes = option("--size", () -> Units.parseBytes(size));
        ClientTls clientTls = null;
        if (udp && tls) {
            throw usage("--tls speaks over TCP; it does not go with --udp (DTLS is not offered)");
        }
        if (!tls && (ca != null || insecure)) {
            throw usage((ca != null ? "--ca" : "--insecure") + " needs --tls");
        }
        if (tls) {
            clientTls = option(ca != null ? "--ca" : "--insecure", () -> ClientTls.of(ca, insecure));
            if (insecure) {
                spec.commandLine().getErr().println("echo-client load: warning: --insecure: the server's certificate "
                        + "is NOT verified");
            }
        }
        long windowBytes = option("--window", () -> Units.parseBytes(window));
        try {
            return new LoadConfig(server, loadMode, connections, (int) Math.min(Integer.MAX_VALUE, sizeBytes),
                    positive("--duration", option("--duration", () -> Units.parseDuration(duration))),
                    option("--warmup", () -> Units.parseDuration(warmup)),
                    (int) Math.min(Integer.MAX_VALUE, windowBytes), rate, sources, threads,
                    positive("--connect-timeout", option("--connect-timeout", () -> Units.parseDuration(connectTimeout))),
                    option("--drain-timeout", () -> Units.parseDuration(drainTimeout)), clientTls);
        } catch (IllegalArgumentException e) {
            throw usage("Invalid configuration: " + e.getMessage());
        }
    }

    private Duration positive(String name, Duration value) {
        if (value.isZero() || value.isNegative()) {
            throw usage("Invalid value for option '" + name + "': must be positive");
        }
        return value;
    }

    private <T> T option(String name, Supplier<T> parse) {
        try {
            return parse.get();
        } catch (IllegalArgumentException e) {
            throw usage("Invalid value for option '" + name + "': " + e.getMessage());
        }
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }
}
