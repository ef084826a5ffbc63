package org.nioecho.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * {@code --stdin-control}: commands on standard input, for tests and the scenario suite,
 * each answered with one line {@code control: ok <command>[ <result>]} or
 * {@code control: error <command>: <why>} on standard output.
 * Commands: {@code pause-accept}, {@code resume-accept}, {@code interrupt-reactor}, {@code stats}.
 */
final class StdinControl implements Runnable {
    private static final System.Logger LOG = System.getLogger(StdinControl.class.getName());
    private final EchoServer server;
    private final InputStream in;
    private final PrintWriter out;

    StdinControl(EchoServer server, InputStream in, PrintWriter out) {
        this.server = Objects.requireNonNull(server, "server");
        this.in = Objects.requireNonNull(in, "in");
        this.out = Objects.requireNonNull(out, "out");
    }

    /** Reads commands on a daemon thread until standard input ends. */
    void start() {
        Thread thread = new Thread(this, "nioecho-stdin-control");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void run() {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line; (line = reader.readLine()) != null; ) {
                String command = line.trim();
                if (!command.isEmpty()) {
                    answer(command);
                }
            }
        } catch (IOException e) {
            LOG.log(Level.ERROR, "reading control commands from stdin failed", e);
        }
    }

    private void answer(String command) {
        String reply;
        try {
            reply = switch (command) {
                case "pause-accept" -> {
                    server.pauseAccepting();
                    yield "ok " + command;
                }
                case "resume-accept" -> {
                    server.resumeAccepting();
                    yield "ok " + command;
                }
                case "interrupt-reactor" -> {
                    server.interruptReactor();
                    yield "ok " + command;
                }
                case "stats" -> "ok stats " + server.summary();
                default -> "error " + command + ": unknown command (pause-accept, resume-accept, interrupt-reactor, stats)";
            };
        } catch (IllegalStateException e) {
            reply = "error " + command + ": " + e.getMessage();
        }
        synchronized (out) {
            out.println("control: " + reply);
            out.flush();
        }
    }
}
