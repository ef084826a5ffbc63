package org.nioecho.bench;

import org.nioecho.harness.Listening;
import org.nioecho.harness.ServerProcess;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * One contender of the comparison: a name and the command that starts it. A command either
 * prints {@code ... listening on HOST:PORT} once it serves (the reactor and the servers in this
 * module take {@code --port 0} for that), or holds a {@code {port}} placeholder that the harness
 * fills with a free port, then waits for that port to be in LISTEN (e.g. socat).
 *
 * @param name        short name used in tables and charts, e.g. {@code netty-epoll}
 * @param description what it is, for the report
 * @param command     the command line; with {@link #PORT_PLACEHOLDER} for external servers
 * @param skipReason  why it cannot run here (e.g. virtual threads on JDK 17), or null
 */
record ServerSpec(String name, String description, List<String> command, String skipReason) {
    /** Replaced by a free port in an external server's command. */
    static final String PORT_PLACEHOLDER = "{port}";

    ServerSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        command = List.copyOf(Objects.requireNonNull(command, "command"));
    }

    /** Whether the harness picks the port and puts it in the command (rather than the server printing it). */
    boolean usesPortPlaceholder() {
        return command.stream().anyMatch(arg -> arg.contains(PORT_PLACEHOLDER));
    }

    boolean runnable() {
        return skipReason == null;
    }

    /**
     * Starts this contender as its own process and waits until it serves: until it prints its
     * address, or, with the placeholder, until the free port put in its place is in LISTEN.
     *
     * @throws IOException if it exits, is not ready within {@code startTimeout}, or cannot be
     *                     started; the message holds the end of its output
     */
    ServerProcess start(Duration startTimeout) throws IOException, InterruptedException {
        ServerProcess.CommandBuilder builder;
        if (usesPortPlaceholder()) {
            int port = Listening.freeLoopbackPort(); // free now; the command binds it a moment later
            builder = ServerProcess.command(commandFor(port)).readyWhenListening(port);
        } else {
            builder = ServerProcess.command(command);
        }
        return builder.name(name).startTimeout(startTimeout).start();
    }

    /** The same contender started under {@code taskset -c cpus}, so that it runs only on those CPUs. */
    ServerSpec pinnedTo(String cpus) {
        List<String> pinnedCommand = new java.util.ArrayList<>(List.of("taskset", "-c", cpus));
        pinnedCommand.addAll(command);
        return new ServerSpec(name, description + " (pinned to CPU " + cpus + ")", command.isEmpty() ? command : pinnedCommand, skipReason);
    }

    /** The command with {@code port} in place of the placeholder. */
    List<String> commandFor(int port) {
        return command.stream().map(arg -> arg.replace(PORT_PLACEHOLDER, Integer.toString(port))).toList();
    }
}
