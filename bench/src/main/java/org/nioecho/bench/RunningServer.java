package org.nioecho.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One contender running as its own process: started from its {@link ServerSpec}, ready once
 * it printed its address (or, for an external command, once its port is in LISTEN), and
 * stopped with SIGTERM, then SIGKILL for the whole process tree if it lingers.
 */
final class RunningServer implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("listening on \\[?([^\\]\\s]+?)]?:(\\d+)\\s*$");
    private static final int KEPT_LINES = 20;

    private final ServerSpec spec;
    private final Process process;
    private final Deque<String> output = new ArrayDeque<>();
    private final CountDownLatch addressSeen = new CountDownLatch(1);
    private final List<Thread> pumps = new ArrayList<>();
    private volatile InetSocketAddress address;

    private RunningServer(ServerSpec spec, Process process) {
        this.spec = Objects.requireNonNull(spec, "spec");
        this.process = Objects.requireNonNull(process, "process");
    }

    /**
     * Starts {@code spec} and waits until it serves.
     *
     * @throws IOException if it exits, stays silent for {@code startTimeout}, or cannot be started;
     *                     the message holds the end of its output
     */
    static RunningServer start(ServerSpec spec, Duration startTimeout) throws IOException, InterruptedException {
        int port = spec.usesPortPlaceholder() ? freePort() : 0;
        List<String> command = spec.commandFor(port);
        RunningServer server = new RunningServer(spec, new ProcessBuilder(command).start());
        server.process.getOutputStream().close();
        server.pump(server.process.getInputStream(), "");
        server.pump(server.process.getErrorStream(), "stderr: ");
        boolean ready = spec.usesPortPlaceholder()
                ? server.awaitListening(port, startTimeout)
                : server.addressSeen.await(startTimeout.toMillis(), TimeUnit.MILLISECONDS) && server.address != null;
        if (!ready) {
            server.close();
            throw new IOException(spec.name() + " did not start within " + startTimeout.toSeconds() + " s ("
                    + (server.process.isAlive() ? "still running" : "exit code " + server.process.exitValue())
                    + "): " + String.join(" ", command) + server.lastOutput());
        }
        return server;
    }

    /** A port free at this moment (the external command binds it a moment later). */
    private static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }

    private boolean awaitListening(int port, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline && process.isAlive()) {
            InetSocketAddress expected = new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port);
            if (SocketCount.listening(expected)) {
                address = expected;
                return true;
            }
            addressSeen.await(50, TimeUnit.MILLISECONDS); // bounded poll interval, ends early if the output shows an address
        }
        return false;
    }

    ServerSpec spec() {
        return spec;
    }

    InetSocketAddress address() {
        return address;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** The last lines the server printed, prefixed for a message; empty if none. */
    String lastOutput() {
        synchronized (output) {
            return output.isEmpty() ? "" : "\n  " + String.join("\n  ", output);
        }
    }

    private void pump(InputStream in, String prefix) {
        Thread thread = new Thread(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line; (line = reader.readLine()) != null; ) {
                    keep(prefix + line);
                    Matcher m = LISTENING.matcher(line);
                    if (address == null && prefix.isEmpty() && m.find()) {
                        address = new InetSocketAddress(m.group(1), Integer.parseInt(m.group(2)));
                        addressSeen.countDown();
                    }
                }
            } catch (IOException e) {
                keep("(reading the server's output failed: " + e.getMessage() + ")");
            } finally {
                addressSeen.countDown();
            }
        }, "output-" + spec.name() + "-" + process.pid());
        thread.setDaemon(true);
        thread.start();
        pumps.add(thread);
    }

    private void keep(String line) {
        synchronized (output) {
            if (output.size() == KEPT_LINES) {
                output.removeFirst();
            }
            output.addLast(line);
        }
    }

    /**
     * SIGTERM to the process and its children, up to 10 s to exit, then SIGKILL to what is left.
     *
     * @return the exit code, or -1 if it had to be killed
     */
    int stop() throws InterruptedException {
        List<ProcessHandle> tree = new ArrayList<>();
        tree.add(process.toHandle());
        process.descendants().forEach(tree::add);
        for (ProcessHandle p : tree) {
            p.destroy();
        }
        int exitCode = -1;
        if (process.waitFor(10, TimeUnit.SECONDS)) {
            exitCode = process.exitValue();
        } else {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        for (ProcessHandle p : tree) {
            if (p.isAlive()) {
                p.destroyForcibly();
            }
        }
        for (Thread pump : pumps) {
            pump.join(2_000);
        }
        return exitCode;
    }

    /** Stops the server if it still runs ({@link #stop()}). */
    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
