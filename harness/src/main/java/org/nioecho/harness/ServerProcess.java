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
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A server run as a real child process, for tests, scenarios and benchmarks: the server jar
 * ({@link #builder()}: {@code java -jar echo-server.jar --port 0 ...}, ready once it prints
 * "listening on") or any command ({@link #command}, e.g. {@code /bin/sh -c CMD}, ready once
 * it prints "listening on" or once its port is in LISTEN). Keeps its output, sends it
 * signals, reads its threads' busy time, descriptors and sockets from {@code /proc}, and ends the whole process
 * tree: {@link #stop} with SIGTERM first, {@link #close} with SIGKILL.
 *
 * <pre>{@code
 * try (ServerProcess server = ServerProcess.builder().args("--idle-timeout", "5s").start()) {
 *     connect(server.address());
 *     server.signal("TERM");
 *     server.awaitExit(Duration.ofSeconds(10));
 * }
 * int port = Listening.freeLoopbackPort();
 * try (ServerProcess socat = ServerProcess.command("/bin/sh", "-c", "socat TCP-LISTEN:" + port + ",fork EXEC:cat")
 *         .readyWhenListening(port).start()) { ... }
 * }</pre>
 */
public final class ServerProcess implements AutoCloseable {
    private static final Pattern METRICS = Pattern.compile("metrics on (http://\\S+)$");
    private static final Pattern ADMIN = Pattern.compile("admin on (http://\\S+)$");
    /** Lines kept per stream for {@link #stdout()} and {@link #stderr()}; a note replaces the rest. */
    private static final int KEPT_LINES = 100_000;
    /** Lines of both streams kept for {@link #lastOutput()}. */
    private static final int RECENT_LINES = 20;
    private static final Duration KILL_WAIT = Duration.ofSeconds(10);
    /** How long a server that closed its output before it was ready has to exit on its own. */
    private static final Duration EXIT_WAIT = Duration.ofSeconds(5);
    private static final Duration POLL_PERIOD = Duration.ofMillis(50);

    private final String name;
    private final List<String> command;
    private final Process process;
    private final Writer stdin;
    private final List<Thread> pumps = new ArrayList<>();
    private final List<String> stdout = Collections.synchronizedList(new ArrayList<>());
    private final List<String> stderr = Collections.synchronizedList(new ArrayList<>());
    private final Deque<String> recent = new ArrayDeque<>();
    private final CountDownLatch started = new CountDownLatch(1);
    private final boolean expectMetrics;
    private volatile InetSocketAddress address;
    private volatile List<InetSocketAddress> addresses = List.of();
    private volatile String metricsUrl;
    private volatile String adminUrl;

    private ServerProcess(String name, List<String> command, Process process, boolean expectMetrics) {
        this.name = name;
        this.command = List.copyOf(command);
        this.process = process;
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        this.expectMetrics = expectMetrics;
    }

    /** A builder for the server jar's process; {@code --port 0} is added unless args name a port or a {@code --listen}. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A builder for any server command, run as given (no shell unless it names one: use
     * {@code /bin/sh -c CMD} for environment assignments, pipes or quoting). Its standard input
     * is closed at once.
     */
    public static CommandBuilder command(String... command) {
        return new CommandBuilder(List.of(command));
    }

    /** As {@link #command(String...)}. */
    public static CommandBuilder command(List<String> command) {
        return new CommandBuilder(command);
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

    /** The name it was started under, for messages ({@code echo-server} for the jar). */
    public String name() {
        return name;
    }

    /** The command line it was started with. */
    public List<String> commandLine() {
        return command;
    }

    /** The address the server printed it listens on (for a port-ready command: 127.0.0.1 and its port). */
    public InetSocketAddress address() {
        return address;
    }

    /** Every address of the server's "listening on" line ({@code --listen} more than once); empty for a port-ready command. */
    public List<InetSocketAddress> addresses() {
        return addresses;
    }

    /** The port the server listens on. */
    public int port() {
        return address.getPort();
    }

    /** The metrics URL, if the server was started with {@code --admin-port} (or {@code --metrics-port}). */
    public String metricsUrl() {
        return metricsUrl;
    }

    /** The admin port's base URL, {@code http://HOST:PORT} (then {@code /faults}), with {@code --admin-port}. */
    public String adminUrl() {
        return adminUrl;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Sends a signal by name ({@code TERM}, {@code INT}, {@code KILL}, ...) with {@code kill}, to the process only. */
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

    /** Lines the server printed on standard output so far (the first {@value #KEPT_LINES}). */
    public List<String> stdout() {
        synchronized (stdout) {
            return List.copyOf(stdout);
        }
    }

    /** Lines the server printed on standard error so far (the first {@value #KEPT_LINES}). */
    public List<String> stderr() {
        synchronized (stderr) {
            return List.copyOf(stderr);
        }
    }

    /**
     * The last {@value #RECENT_LINES} lines of both streams in the order they were read (standard
     * error's prefixed {@code "stderr: "}), each on its own indented line, for a message; empty if none.
     */
    public String lastOutput() {
        synchronized (recent) {
            return recent.isEmpty() ? "" : "\n  " + String.join("\n  ", recent);
        }
    }

    /**
     * Time the process's threads named {@code threadName} (as the kernel keeps it: at most 15
     * characters, so {@code nioecho-reactor-1} is {@code nioecho-reactor}) have spent running or
     * waiting for a CPU, from {@code /proc/PID/task/TID/schedstat}. A thread blocked in a system
     * call adds nothing and a spinning one adds the wall time, however loaded the machine is.
     * The JIT compiler's and the garbage collector's threads, busy on their own, do not count.
     */
    public Duration busyTime(String threadName) throws IOException {
        long nanos = 0;
        for (Path task : threadsNamed(threadName)) {
            try {
                String[] schedstat = Files.readString(task.resolve("schedstat")).trim().split(" ");
                nanos += Long.parseLong(schedstat[0]) + Long.parseLong(schedstat[1]);
            } catch (NoSuchFileException endedSinceListed) {
                // a thread that has ended adds nothing more
            }
        }
        return Duration.ofNanos(nanos);
    }

    /** How many of the process's threads are named {@code threadName} (as the kernel keeps it; see {@link #busyTime}). */
    public int threadCount(String threadName) throws IOException {
        return threadsNamed(threadName).size();
    }

    /** The {@code /proc/PID/task/TID} directories of the threads named {@code threadName}. */
    private List<Path> threadsNamed(String threadName) throws IOException {
        List<Path> named = new ArrayList<>();
        for (Path task : procEntries("task")) {
            try {
                if (Files.readString(task.resolve("comm")).trim().equals(threadName)) {
                    named.add(task);
                }
            } catch (NoSuchFileException endedSinceListed) {
                // not a thread any more
            }
        }
        return named;
    }

    /** Descriptors the process has open now, from {@code /proc/PID/fd}. */
    public int openDescriptors() throws IOException {
        return procEntries("fd").size();
    }

    /**
     * Socket descriptors the process has open now: those in {@code /proc/PID/fd} that link to
     * {@code socket:[inode]}. Unlike {@link #openDescriptors()} this does not count the files the
     * JVM opens for a moment on its own (its container support reads the cgroup's
     * {@code memory.stat}, for one), so it can be compared exactly.
     */
    public int openSockets() throws IOException {
        int sockets = 0;
        for (Path fd : procEntries("fd")) {
            try {
                if (Files.readSymbolicLink(fd).toString().startsWith("socket:")) {
                    sockets++;
                }
            } catch (NoSuchFileException closedSinceListed) {
                // no longer open: not counted
            }
        }
        return sockets;
    }

    /** The entries of {@code /proc/PID/DIR} now (its threads for {@code task}, its descriptors for {@code fd}). */
    private List<Path> procEntries(String dir) throws IOException {
        try (Stream<Path> entries = Files.list(Path.of("/proc", Long.toString(pid()), dir))) {
            return entries.toList();
        }
    }

    /**
     * SIGTERM to the process and every descendant, up to {@code grace} for all of them to exit,
     * then SIGKILL to whatever of the tree is left.
     *
     * @return the process's exit code, or -1 if it had to be killed
     */
    public int stop(Duration grace) throws InterruptedException {
        List<ProcessHandle> tree = ProcessTreeKill.snapshot(process.toHandle());
        ProcessTreeKill.terminate(tree);
        ProcessTreeKill.awaitExit(tree, grace);
        // The tree's ProcessHandles can see the exit a moment before this Process has recorded
        // it (two stages of one JDK future, in no fixed order): isAlive() could still say true
        // then. Waiting on the Process itself returns once it has; it adds at most a second
        // when the process really outlived the grace period.
        int exitCode = process.waitFor(1, TimeUnit.SECONDS) ? process.exitValue() : -1;
        end(tree);
        return exitCode;
    }

    /**
     * SIGKILL to the process's descendants, then to the process, if they still run; waits up
     * to 10 s for them. Interrupted, it still sends the signals, stops waiting and keeps the
     * thread's interrupt flag set.
     */
    @Override
    public void close() {
        try {
            end(List.of());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void end(List<ProcessHandle> known) throws InterruptedException {
        try {
            stdin.close();
        } catch (IOException e) {
            // the process is gone and its pipe with it: nothing left to close
        }
        List<ProcessHandle> left = ProcessTreeKill.kill(process.toHandle(), known, KILL_WAIT);
        if (!left.isEmpty()) {
            remember("(still running " + KILL_WAIT.toSeconds() + " s after SIGKILL: pids "
                    + left.stream().map(p -> Long.toString(p.pid())).toList() + ")");
        }
        drainOutput();
    }

    private void pump(InputStream in, List<String> lines, boolean watchForAddress, String prefix) {
        Thread thread = new Thread(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line; (line = reader.readLine()) != null; ) {
                    keep(lines, line, prefix);
                    if (watchForAddress) {
                        watch(line);
                    }
                }
            } catch (IOException e) {
                keep(lines, "(reading the server's output failed: " + e.getMessage() + ")", prefix);
            } finally {
                started.countDown();
            }
        }, name + "-output-" + process.pid());
        thread.setDaemon(true);
        thread.start();
        pumps.add(thread);
    }

    private void keep(List<String> lines, String line, String prefix) {
        synchronized (lines) {
            if (lines.size() < KEPT_LINES) {
                lines.add(line);
            } else if (lines.size() == KEPT_LINES) {
                lines.add("(further lines not kept)");
            }
            lines.notifyAll();
        }
        remember(prefix + line);
    }

    private void remember(String line) {
        synchronized (recent) {
            if (recent.size() == RECENT_LINES) {
                recent.removeFirst();
            }
            recent.addLast(line);
        }
    }

    private void watch(String line) {
        if (address == null) {
            List<InetSocketAddress> all = Listening.parseAll(line);
            if (!all.isEmpty()) {
                addresses = all;
                address = all.get(0);
            }
        }
        Matcher metrics = METRICS.matcher(line);
        if (metrics.find()) {
            metricsUrl = metrics.group(1);
        }
        Matcher admin = ADMIN.matcher(line);
        if (admin.find()) {
            adminUrl = admin.group(1);
        }
        if (address != null && (!expectMetrics || (metricsUrl != null && adminUrl != null))) {
            started.countDown();
        }
    }

    private void drainOutput() throws InterruptedException {
        for (Thread pump : pumps) {
            pump.join(5_000);
        }
    }

    /** Polls the kernel's table until {@code port} is in LISTEN; false if the process exits or {@code timeout} passes first. */
    private boolean awaitListening(int port, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (Listening.isListening(port)) {
                address = new InetSocketAddress("127.0.0.1", port);
                return true;
            }
            if (process.waitFor(POLL_PERIOD.toMillis(), TimeUnit.MILLISECONDS)) { // the poll period; ends early on exit
                return false;
            }
        }
        return false;
    }

    /**
     * Starts {@code command} and waits until it serves: until it prints its address, or, with a
     * {@code readyPort} above 0, until that port is in LISTEN.
     */
    private static ServerProcess launch(String name, List<String> command, Map<String, String> environment,
                                        boolean closeStdin, boolean expectMetrics, int readyPort, Duration startTimeout)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().putAll(environment);
        ServerProcess server = new ServerProcess(name, command, builder.start(), expectMetrics);
        if (closeStdin) {
            server.stdin.close();
        }
        server.pump(server.process.getInputStream(), server.stdout, readyPort <= 0, "");
        server.pump(server.process.getErrorStream(), server.stderr, false, "stderr: ");
        boolean ready = readyPort > 0
                ? server.awaitListening(readyPort, startTimeout)
                : server.started.await(startTimeout.toMillis(), TimeUnit.MILLISECONDS) && server.address != null;
        if (!ready) {
            // its standard output ended (the latch is down): it is exiting, let it, for its own exit code
            boolean exited = server.process.waitFor(server.started.getCount() == 0 ? EXIT_WAIT.toMillis() : 0,
                    TimeUnit.MILLISECONDS);
            server.close();
            throw new IOException(name + " did not start within " + startTimeout.toMillis() + " ms ("
                    + (exited ? "exit code " + server.process.exitValue() : "still running, killed") + "): "
                    + String.join(" ", command) + server.lastOutput());
        }
        return server;
    }

    /** Builds and starts a {@link ServerProcess} of the server jar. */
    public static final class Builder {
        private Path jar;
        private final List<String> prefix = new ArrayList<>();
        private final List<String> jvmOptions = new ArrayList<>();
        private final List<String> args = new ArrayList<>();
        private final Map<String, String> environment = new HashMap<>();
        private Duration startTimeout = Duration.ofSeconds(30);

        private Builder() {
        }

        /** An environment variable for the server, on top of this JVM's environment. */
        public Builder environment(String name, String value) {
            environment.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
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
         * Starts the process and waits until it prints its address (and its admin and metrics
         * URLs, with {@code --admin-port} or {@code --metrics-port}).
         *
         * @throws IOException if it exits or stays silent instead; the message holds its last output
         */
        public ServerProcess start() throws IOException, InterruptedException {
            List<String> command = new ArrayList<>(prefix);
            command.add(ProcessHandle.current().info().command().orElse("java"));
            command.addAll(jvmOptions);
            command.add("-jar");
            command.add((jar != null ? jar : defaultJar()).toString());
            if (args.stream().noneMatch(a -> a.equals("--port") || a.startsWith("--port=") || a.startsWith("--listen"))) {
                command.add("--port");
                command.add("0");
            }
            command.addAll(args);
            boolean expectMetrics = args.stream().anyMatch(a -> a.startsWith("--metrics-port") || a.startsWith("--admin-port"));
            return launch("echo-server", command, environment, false, expectMetrics, 0, startTimeout);
        }
    }

    /** Builds and starts a {@link ServerProcess} of any command. */
    public static final class CommandBuilder {
        private final List<String> command;
        private String name;
        private int readyPort;
        private Duration startTimeout = Duration.ofSeconds(30);

        private CommandBuilder(List<String> command) {
            if (command.isEmpty()) {
                throw new IllegalArgumentException("empty command");
            }
            this.command = List.copyOf(command);
            this.name = Path.of(command.get(0)).getFileName().toString();
        }

        /** The name for messages and thread names (default: the program's file name). */
        public CommandBuilder name(String value) {
            name = Objects.requireNonNull(value, "name");
            return this;
        }

        /**
         * Ready once {@code port} is in LISTEN in the kernel's socket table (for a command that
         * prints no "listening on" line); its {@link #address()} is then 127.0.0.1 and {@code port}.
         */
        public CommandBuilder readyWhenListening(int port) {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port " + port + " out of range");
            }
            readyPort = port;
            return this;
        }

        public CommandBuilder startTimeout(Duration value) {
            startTimeout = Objects.requireNonNull(value, "startTimeout");
            return this;
        }

        /**
         * Starts the command and waits until it serves: it prints {@code listening on HOST:PORT},
         * or its port shows LISTEN ({@link #readyWhenListening}).
         *
         * @throws IOException if it cannot be started, exits, or is not ready within the start
         *                     timeout (then its tree is killed); the message holds its last output
         */
        public ServerProcess start() throws IOException, InterruptedException {
            return launch(name, command, Map.of(), true, false, readyPort, startTimeout);
        }
    }
}
