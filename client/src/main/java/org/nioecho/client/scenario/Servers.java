package org.nioecho.client.scenario;

import org.nioecho.harness.ServerProcess;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Starting, querying and stopping the server processes of the scenarios, each step in the timeline. */
final class Servers {
    static final Duration EXIT_TIMEOUT = Duration.ofSeconds(15);
    private static final String STOPPED = "nioecho server stopped: ";

    private Servers() {
    }

    /** Starts the server jar on a free loopback port with {@code --stdin-control} and the given options. */
    static ServerProcess start(ScenarioContext context, String... args) throws IOException, InterruptedException {
        return start(context, List.of(), args);
    }

    /** As {@link #start(ScenarioContext, String...)}, run under {@code prefix} (e.g. {@code ip netns exec NS}). */
    static ServerProcess start(ScenarioContext context, List<String> prefix, String... args)
            throws IOException, InterruptedException {
        List<String> all = new ArrayList<>(List.of("--stdin-control"));
        all.addAll(List.of(args));
        ServerProcess server = ServerProcess.builder().jar(context.serverJar()).prefix(prefix.toArray(String[]::new))
                .jvmOptions("-Xmx64m", "-XX:+UseSerialGC").args(all.toArray(String[]::new)).start();
        // The server prints its "listening" line before it installs its SIGTERM/SIGINT handlers
        // and starts reading control commands; a signal in between would stop the JVM abruptly
        // (exit 130/143). Its first control answer proves both are in place.
        try {
            server.control("stats");
        } catch (IOException e) {
            server.close();
            throw new IOException("the server does not answer on its control input (is " + context.serverJar()
                    + " a server with --stdin-control?): " + e.getMessage() + errors(server), e);
        }
        try {
            context.watchServerPort(server.port());
        } catch (IOException e) {
            server.close();
            throw new IOException("cannot trace the server's port " + server.port() + ": " + e.getMessage(), e);
        }
        context.timeline().log("server", "started, pid " + server.pid() + ", listening on "
                + server.address().getAddress().getHostAddress() + ":" + server.port());
        return server;
    }

    /** The server's counters now ({@code stats} on its control input). */
    static ServerStats stats(ServerProcess server) throws IOException, InterruptedException {
        String answer = server.control("stats");
        return ServerStats.parse(answer);
    }

    /** Like {@link #stats}, and logs the summary. */
    static ServerStats statsLogged(Timeline timeline, ServerProcess server) throws IOException, InterruptedException {
        String answer = server.control("stats");
        timeline.log("server", "stats: " + answer.substring(answer.indexOf(' ') + 1));
        return ServerStats.parse(answer);
    }

    /** The summary line the server printed on stopping, if it did. */
    static List<String> stoppedLines(ServerProcess server) {
        return server.stdout().stream().filter(line -> line.startsWith(STOPPED)).toList();
    }

    /** Sends {@code signal}, waits for the exit and logs the exit code and the stopped line. */
    static int stop(Timeline timeline, ServerProcess server, String signal) throws IOException, InterruptedException {
        server.signal(signal);
        timeline.log("signal", "SIG" + signal + " to server pid " + server.pid());
        int exit = server.awaitExit(EXIT_TIMEOUT);
        timeline.log("server", exit < 0 ? "still running " + EXIT_TIMEOUT.toSeconds() + " s later" : "exited with code " + exit);
        for (String line : stoppedLines(server)) {
            timeline.log("server", line);
        }
        return exit;
    }

    /** The server's stderr, for a verdict's evidence when something went wrong. */
    static String errors(ServerProcess server) {
        List<String> lines = server.stderr();
        return lines.isEmpty() ? "" : " (server stderr: " + String.join(" | ", lines) + ")";
    }
}
