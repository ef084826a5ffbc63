package org.nioecho.kernel;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The kernel's own record of TCP on some ports, read live from tracepoints: every state
 * change of both ends ({@code sock:inet_sock_set_state}), each RST sent and received
 * ({@code tcp:tcp_send_reset}, {@code tcp:tcp_receive_reset}), each error stored on a
 * socket ({@code sock:inet_sk_error_report}) and each retransmission
 * ({@code tcp:tcp_retransmit_skb}). Needs root and tracefs (mounted if it is not).
 *
 * <p>It works in a private tracefs instance ({@code instances/nioecho-PID-N}), so nothing
 * else that uses tracing is disturbed, with {@code trace_clock} = {@code mono} so that
 * event times line up with {@link System#nanoTime()}. A reader thread parses
 * {@code trace_pipe} as events arrive. The instance is removed on {@link #close()}, by a
 * shutdown hook on Ctrl-C, and, if a run was killed, by {@link #sweepLeftovers()} at the
 * next start.
 *
 * <pre>{@code
 * try (TcpTracer tracer = TcpTracer.start(Set.of(9877), event -> {})) {
 *     ... drive sockets ...
 *     tracer.sync(Duration.ofSeconds(5));          // every event so far has been read
 *     for (KernelEvent e : tracer.events()) System.out.println(e.describe());
 * }
 * }</pre>
 */
public final class TcpTracer implements AutoCloseable {
    /** Where tracefs is mounted, or will be: {@code /sys/kernel/tracing}, or {@code -Dnioecho.tracefs=DIR}. */
    public static final Path TRACEFS = Path.of(System.getProperty("nioecho.tracefs", "/sys/kernel/tracing"));
    /** Per-CPU ring buffer: a burst of thousands of events fits (about 80 bytes each). */
    static final int BUFFER_KB_PER_CPU = 8192;
    private static final String PREFIX = "nioecho-";
    private static final Pattern INSTANCE = Pattern.compile("nioecho-(\\d+)-\\d+");
    private static final List<String> EVENTS = List.of(
            "sock/inet_sock_set_state", "tcp/tcp_send_reset", "tcp/tcp_receive_reset",
            "sock/inet_sk_error_report", "tcp/tcp_retransmit_skb");
    /** Events with {@code sport}/{@code dport} fields, which the kernel can filter. */
    private static final List<String> PORT_FILTERED = List.of(
            "sock/inet_sock_set_state", "tcp/tcp_receive_reset", "sock/inet_sk_error_report",
            "tcp/tcp_retransmit_skb");
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final Path instance;
    private final Set<Integer> ports;
    private final Consumer<KernelEvent> listener;
    private final List<KernelEvent> events = new ArrayList<>();
    private final Thread reader;
    private final Thread shutdownHook;
    private final AtomicInteger markers = new AtomicInteger();
    private String lastMarkerSeen = "";
    private IOException readFailure;
    private boolean closed;

    private TcpTracer(Path instance, Set<Integer> ports, Consumer<KernelEvent> listener) {
        this.instance = instance;
        this.ports = ports;
        this.listener = listener;
        this.reader = new Thread(this::readPipe, "nioecho-trace-" + instance.getFileName());
        this.reader.setDaemon(true);
        this.shutdownHook = new Thread(this::removeQuietly, "nioecho-trace-cleanup");
    }

    /**
     * Why tracing cannot work here (not root, no tracefs, a missing tracepoint), or empty
     * if it can. Mounts tracefs when root and it is not mounted.
     */
    public static Optional<String> unavailableReason() {
        if (!isRoot()) {
            return Optional.of("not root: kernel tracepoints need root");
        }
        try {
            mountIfNeeded();
        } catch (IOException e) {
            return Optional.of("no tracefs: " + e.getMessage());
        }
        for (String event : EVENTS) {
            if (!Files.isDirectory(TRACEFS.resolve("events").resolve(event))) {
                return Optional.of("this kernel has no tracepoint " + event.replace('/', ':'));
            }
        }
        return Optional.empty();
    }

    /**
     * Starts tracing TCP sockets with any of {@code ports} at either end (every port if
     * empty); {@code listener} sees each event on the reader thread as it is read.
     *
     * @throws IOException if tracing is unavailable (see {@link #unavailableReason()})
     */
    public static TcpTracer start(Collection<Integer> ports, Consumer<KernelEvent> listener) throws IOException {
        Objects.requireNonNull(listener, "listener");
        Optional<String> why = unavailableReason();
        if (why.isPresent()) {
            throw new IOException(why.get());
        }
        sweepLeftovers();
        Path instance = TRACEFS.resolve("instances")
                .resolve(PREFIX + ProcessHandle.current().pid() + "-" + INSTANCES.incrementAndGet());
        Files.createDirectory(instance);
        TcpTracer tracer = new TcpTracer(instance, new TreeSet<>(ports), listener);
        try {
            tracer.configure();
            Runtime.getRuntime().addShutdownHook(tracer.shutdownHook);
            tracer.reader.start();
        } catch (IOException | RuntimeException e) {
            tracer.removeQuietly();
            throw e;
        }
        return tracer;
    }

    private void configure() throws IOException {
        write("trace_clock", "mono");
        write("buffer_size_kb", Integer.toString(BUFFER_KB_PER_CPU));
        String filter = ports.stream().map(p -> "sport == " + p + " || dport == " + p)
                .collect(Collectors.joining(" || "));
        for (String event : EVENTS) {
            if (!filter.isEmpty() && PORT_FILTERED.contains(event)) {
                write("events/" + event + "/filter", filter);
            }
            write("events/" + event + "/enable", "1");
        }
        write("tracing_on", "1");
    }

    /** The events read so far (tcp_send_reset is filtered here: it has no port fields). */
    public List<KernelEvent> events() {
        synchronized (events) {
            return List.copyOf(events);
        }
    }

    /**
     * Waits until every event recorded before this call has been read: writes a marker into
     * the trace and waits for the reader to reach it.
     *
     * @throws IOException if the marker is not read within {@code timeout} or reading failed
     */
    public void sync(Duration timeout) throws IOException, InterruptedException {
        String marker = "nioecho-sync-" + markers.incrementAndGet();
        write("trace_marker", marker);
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (events) {
            while (!marker.equals(lastMarkerSeen)) {
                if (readFailure != null) {
                    throw readFailure;
                }
                long leftMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (leftMs <= 0) {
                    throw new IOException("the trace reader did not catch up within " + timeout.toMillis() + " ms");
                }
                events.wait(leftMs);
            }
        }
    }

    /** Events the ring buffer dropped because the reader fell behind (0 when none was lost). */
    public long overruns() throws IOException {
        long total = 0;
        try (DirectoryStream<Path> cpus = Files.newDirectoryStream(instance.resolve("per_cpu"), "cpu*")) {
            for (Path cpu : cpus) {
                for (String line : Files.readAllLines(cpu.resolve("stats"))) {
                    if (line.startsWith("overrun:")) {
                        total += Long.parseLong(line.substring("overrun:".length()).trim());
                    }
                }
            }
        }
        return total;
    }

    /** The instance's directory, e.g. {@code /sys/kernel/tracing/instances/nioecho-4242-1}. */
    public Path instance() {
        return instance;
    }

    /** Stops tracing, ends the reader and removes the instance. */
    @Override
    public void close() throws IOException {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down: the hook is running, or has run, removeQuietly
        }
        stopReader();
        remove(instance);
    }

    private void stopReader() throws IOException {
        if (reader.isAlive()) {
            write("trace_marker", "nioecho-stop");
            try {
                reader.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (reader.isAlive()) {
                throw new IOException("the trace reader did not stop: " + instance + " is left for the next sweep");
            }
        }
    }

    private void removeQuietly() {
        try {
            synchronized (this) {
                closed = true;
            }
            stopReader();
            remove(instance);
        } catch (IOException e) {
            System.err.println("nioecho: could not remove tracing instance " + instance + ": " + e.getMessage());
        }
    }

    private void readPipe() {
        try (BufferedReader pipe = Files.newBufferedReader(instance.resolve("trace_pipe"), StandardCharsets.UTF_8)) {
            String line;
            while ((line = pipe.readLine()) != null) {
                int mark = line.indexOf("tracing_mark_write: ");
                if (mark >= 0) {
                    String marker = line.substring(mark + "tracing_mark_write: ".length()).trim();
                    if (marker.equals("nioecho-stop")) {
                        return;
                    }
                    synchronized (events) {
                        lastMarkerSeen = marker;
                        events.notifyAll();
                    }
                    continue;
                }
                Optional<KernelEvent> parsed = TraceLines.parse(line);
                if (parsed.isEmpty() || !wanted(parsed.get())) {
                    continue;
                }
                synchronized (events) {
                    events.add(parsed.get());
                }
                listener.accept(parsed.get());
            }
        } catch (IOException e) {
            synchronized (events) {
                readFailure = e;
                events.notifyAll();
            }
        }
    }

    private boolean wanted(KernelEvent event) {
        if (ports.isEmpty()) {
            return true;
        }
        for (int port : ports) {
            if (event.involves(port)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Removes the instances of nioecho processes that no longer run (a killed run's
     * left-overs). Returns how many were removed.
     */
    public static int sweepLeftovers() throws IOException {
        Path instances = TRACEFS.resolve("instances");
        if (!Files.isDirectory(instances)) {
            return 0;
        }
        int removed = 0;
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(instances, PREFIX + "*")) {
            for (Path dir : dirs) {
                Matcher m = INSTANCE.matcher(dir.getFileName().toString());
                if (m.matches() && ProcessHandle.of(Long.parseLong(m.group(1))).isEmpty()) {
                    remove(dir);
                    removed++;
                }
            }
        }
        return removed;
    }

    private static void remove(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        Files.writeString(dir.resolve("tracing_on"), "0");
        for (String event : EVENTS) {
            Files.writeString(dir.resolve("events").resolve(event).resolve("enable"), "0");
        }
        Files.delete(dir); // rmdir: tracefs removes the instance and its files
    }

    private void write(String file, String value) throws IOException {
        Files.writeString(instance.resolve(file), value);
    }

    private static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[2].equals("0"); // effective uid
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    private static void mountIfNeeded() throws IOException {
        if (Files.isDirectory(TRACEFS.resolve("instances"))) {
            return;
        }
        Process mount = new ProcessBuilder("mount", "-t", "tracefs", "nodev", TRACEFS.toString())
                .redirectErrorStream(true).start();
        try {
            if (!mount.waitFor(10, TimeUnit.SECONDS)) {
                mount.destroyForcibly();
                throw new IOException("mount -t tracefs did not finish in 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while mounting tracefs", e);
        }
        String output = new String(mount.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
                .lines().findFirst().orElse("").trim(); // one line: mount adds a hint about dmesg
        if (mount.exitValue() != 0 || !Files.isDirectory(TRACEFS.resolve("instances"))) {
            throw new IOException("cannot mount tracefs on " + TRACEFS + ": " + output);
        }
    }
}
