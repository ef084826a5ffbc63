package org.nioecho.harness;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The server jar run as a real child process, for tests, scenarios and benchmarks: starts
 * {@code java -jar echo-server.jar --port 0 ...}, waits for its "listening on" line, keeps
 * its output, sends it signals and reads its CPU time and descriptors from {@code /proc}.
 *
 * <pre>{@code
 * try (ServerProcess server = ServerProcess.builder().args("--idle-timeout", "5s").start()) {
 *     connect(server.address());
 *     server.signal("TERM");
 *     server.awaitExit(Duration.ofSeconds(10));
 * }
 * }</pre>
 */
public final class ServerProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("listening on (\\S+):(\\d+)$");
    private static final Pattern METRICS = Pattern.compile("metrics on (http://\\S+)$");

    private final Process process;
    private final Writer stdin;
    private final List<Thread> pumps = new ArrayList<>();
    private final List<String> stdout = Collections.synchronizedList(new ArrayList<>());
    private final List<String> stderr = Collections.synchronizedList(new ArrayList<>());
    private final CountDownLatch started = new CountDownLatch(1);
    private volatile InetSocketAddress address;
    private volatile String metricsUrl;
    private volatile boolean expectMetrics;

    private ServerProcess(Process process) {
        this.process = process;
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    }

    /** A builder for a server process; {@code --port 0} is added unless args name a port. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Where the server jar is: the system property {@code nioecho.server.jar}, else
     * {@code server/target/echo-server.jar} under the working directory or a parent of it.
     */
    public static Path defaultJar() {
        String property = System.getProperty("nioecho.server.jar");
        if (property != null) {
            return Path.of(property);
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path jar = dir.resolve("server/target/echo-server.jar");
            if (Files.isRegularFile(jar)) {
                return jar;
            }
        }
        throw new IllegalStateException("server/target/echo-server.jar not found: build it with 'mvn -DskipTests package'"
                + " or set -Dnioecho.server.jar");
    }

    /** The address the server printed it listens on. */
    public InetSocketAddress address() {
        return address;
    }

    /** The port the server listens on. */
    public int port() {
        return address.getPort();
    }

    /** The metrics URL, if the server was started with {@code --metrics-port}. */
    public String metricsUrl() {
        return metricsUrl;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Sends a signal by name ({@code TERM}, {@code INT}, {@code KILL}, ...) with {@code kill}. */
    public void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-s", name, Long.toString(pid())).inheritIO().start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IOException("kill -s " + name + " " + pid() + " failed");
        }
    }

    /** Waits for the process to exit; its exit code, or -1 if it is still running after {@code timeout}. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            return -1;
        }
        drainOutput();
        return process.exitValue();
    }

    /**
     * Sends a {@code --stdin-control} command ({@code pause-accept}, {@code resume-accept},
     * {@code interrupt-reactor}, {@code stats}) and waits up to 10 s for its answer.
     *
     * @return the answer after {@code "control: ok "}, e.g. {@code "stats 3 connections, ..."}
     * @throws IOException if the server answers with an error, exits or stays silent
     */
    public String control(String command) throws IOException, InterruptedException {
        int seen = stdout.size();
        stdin.write(command + "\n");
        stdin.flush();
        String ok = "control: ok " + command;
        String error = "control: error " + command;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        synchronized (stdout) {
            while (true) {
                for (int i = seen; i < stdout.size(); i++) {
                    String line = stdout.get(i);
                    if (line.startsWith(ok)) {
                        return line.substring("control: ok ".length());
                    }
                    if (line.startsWith(error)) {
                        throw new IOException(line);
                    }
                }
                seen = stdout.size();
                long leftMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (leftMs <= 0 || !process.isAlive()) {
                    throw new IOException("no answer to '" + command + "' (server alive: " + process.isAlive() + ")");
                }
                stdout.wait(Math.min(leftMs, 200));
            }
        }
    }

    /** Lines the server printed on standard output so far. */
    public List<String> stdout() {
        synchronized (stdout) {
            return List.copyOf(stdout);
        }
    }

    /** Lines the server printed on standard error so far. */
    public List<String> stderr() {
        synchronized (stderr) {
            return List.copyOf(stderr);
        }
    }

    /** User plus system CPU time the process has used, from {@code /proc/PID/stat}. */
    public Duration cpuTime() throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid()), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime
        return Duration.ofMillis(ticks * 10); // USER_HZ is 100 on Linux
    }

    /** Descriptors the process has open now, from {@code /proc/PID/fd}. */
    public int openDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid()), "fd"))) {
            return (int) fds.count();
        }
    }

    /** Kills the process if it is still running (SIGKILL) and waits for it. */
    @Override
    public void close() throws InterruptedException {
        try {
            stdin.close();
        } catch (IOException e) {
            // the process is gone and its pipe with it: nothing left to close
        }
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private void pump(InputStream in, List<String> lines, boolean watchForAddress) {
        Thread thread = new Thread(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line; (line = reader.readLine()) != null; ) {
                    synchronized (lines) {
                        lines.add(line);
                        lines.notifyAll();
                    }
                    if (watchForAddress) {
                        Matcher listening = LISTENING.matcher(line);
                        if (listening.find()) {
                            address = new InetSocketAddress(listening.group(1).replaceAll("[\\[\\]]", ""),
                                    Integer.parseInt(listening.group(2)));
                        }
                        Matcher metrics = METRICS.matcher(line);
                        if (metrics.find()) {
                            metricsUrl = metrics.group(1);
                            started.countDown();
                        }
                        if (address != null && !expectMetrics) {
                            started.countDown();
                        }
                    }
                }
            } catch (IOException e) {
                lines.add("(reading the server's output failed: " + e.getMessage() + ")");
            } finally {
                started.countDown();
            }
        }, "server-output-" + process.pid());
        thread.setDaemon(true);
        thread.start();
        pumps.add(thread);
    }

    private void drainOutput() throws InterruptedException {
        for (Thread pump : pumps) {
            pump.join(5_000);
        }
    }

    /** Builds and starts a {@link ServerProcess}. */
    public static final class Builder {
        private Path jar;
        private final List<String> prefix = new ArrayList<>();
        private final List<String> jvmOptions = new ArrayList<>();
        private final List<String> args = new ArrayList<>();
        private Duration startTimeout = Duration.ofSeconds(30);

        private Builder() {
        }

        /** The server jar (default: {@link #defaultJar()}). */
        public Builder jar(Path value) {
            jar = value;
            return this;
        }

        /** A command to run the JVM under, e.g. {@code prlimit --nofile=64:64}. */
        public Builder prefix(String... command) {
            prefix.addAll(List.of(command));
            return this;
        }

        /** Options for the JVM, e.g. {@code -Xmx64m}. */
        public Builder jvmOptions(String... options) {
            jvmOptions.addAll(List.of(options));
            return this;
        }

        /** Server options, e.g. {@code --max-connections 10}. */
        public Builder args(String... values) {
            args.addAll(List.of(values));
            return this;
        }

        public Builder startTimeout(Duration value) {
            startTimeout = Objects.requireNonNull(value, "startTimeout");
            return this;
        }

        /**
         * Starts the process and waits until it prints its address.
         *
         * @throws IOException if it exits or stays silent instead; the message holds its output
         */
        public ServerProcess start() throws IOException, InterruptedException {
            List<String> command = new ArrayList<>(prefix);
            command.add(ProcessHandle.current().info().command().orElse("java"));
            command.addAll(jvmOptions);
            command.add("-jar");
            command.add((jar != null ? jar : defaultJar()).toString());
            if (!args.contains("--port") && args.stream().noneMatch(a -> a.startsWith("--port="))) {
                command.add("--port");
                command.add("0");
            }
            command.addAll(args);
            ServerProcess server = new ServerProcess(new ProcessBuilder(command).start());
            server.expectMetrics = args.stream().anyMatch(a -> a.startsWith("--metrics-port"));
            server.pump(server.process.getInputStream(), server.stdout, true);
            server.pump(server.process.getErrorStream(), server.stderr, false);
            boolean ready = server.started.await(startTimeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!ready || server.address == null) {
                server.close();
                server.drainOutput();
                throw new IOException("server did not start: " + String.join(" ", command)
                        + "\nstdout: " + server.stdout() + "\nstderr: " + server.stderr());
            }
            return server;
        }
    }
}
