package org.nioecho.client.scenario;

import org.nioecho.kernel.Errnos;
import org.nioecho.kernel.KernelEvent;
import org.nioecho.kernel.TcpTracer;
import org.nioecho.kernel.TraceLines;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;

/**
 * How one scenario run learns what the kernel did: from its tracepoints ({@link TcpTracer},
 * every transition, RST, stored error and retransmission, none missed) when root and
 * tracefs allow, else by polling {@code /proc/net/tcp} ({@link StateWatch}) as before.
 * A scenario names its server ports with {@link #watch}; each starts a tracer on that port
 * whose events are printed into the timeline as they arrive, at their own times.
 */
final class Evidence implements AutoCloseable {
    static final String TRACEPOINTS = "tracepoints";
    static final String POLLING = "polling";
    private static final Duration SYNC_TIMEOUT = Duration.ofSeconds(10);

    /** What {@code --evidence} asks for. */
    enum Mode {
        /** Tracepoints when available, else polling. */
        AUTO,
        /** Tracepoints (bad usage when unavailable). */
        TRACEPOINTS,
        /** Polling {@code /proc/net/tcp} only, as without root. */
        POLLING;

        static Mode parse(String text) {
            return switch (text.toLowerCase(Locale.ROOT)) {
                case "auto" -> AUTO;
                case "tracepoints" -> TRACEPOINTS;
                case "polling" -> POLLING;
                default -> throw new IllegalArgumentException("--evidence: '" + text + "' is not one of tracepoints, polling, auto");
            };
        }
    }

    private final Timeline timeline;
    private final boolean traced;
    private final String description;
    private final Set<Integer> serverPorts = new ConcurrentSkipListSet<>(); // read by the tracers' threads
    private final List<TcpTracer> tracers = new ArrayList<>();
    private final List<KernelEvent> finalEvents = new ArrayList<>();
    private long finalOverruns;
    private volatile boolean printing = true;
    private boolean closed;

    private Evidence(Timeline timeline, boolean traced, String description) {
        this.timeline = Objects.requireNonNull(timeline, "timeline");
        this.traced = traced;
        this.description = description;
    }

    /** Why tracing cannot be used in {@code mode} here, or empty if it will be. */
    static Optional<String> whyPolling(Mode mode) {
        return mode == Mode.POLLING ? Optional.of("--evidence polling") : TcpTracer.unavailableReason();
    }

    /** The evidence of one run, chosen by {@code mode}; prints the {@code evidence:} line. */
    static Evidence open(Mode mode, Timeline timeline) {
        Optional<String> why = whyPolling(mode);
        Evidence evidence = why.isEmpty() ? new Evidence(timeline, true, "kernel tracepoints")
                : new Evidence(timeline, false, "/proc polling (" + why.get() + ")");
        timeline.plain("  evidence: " + evidence.description);
        return evidence;
    }

    /** True when the kernel's tracepoints are read; false when {@code /proc/net/tcp} is polled. */
    boolean traced() {
        return traced;
    }

    /** {@code tracepoints} or {@code polling}. */
    String name() {
        return traced ? TRACEPOINTS : POLLING;
    }

    /**
     * Whether each event is printed into the timeline as it arrives (the default); a run of
     * thousands of sockets turns it off and prints counts instead.
     */
    void printEachEvent(boolean print) {
        printing = print;
    }

    /** Traces the sockets on the server port {@code port} (nothing to do when polling). */
    synchronized void watch(int port) throws IOException {
        if (closed) {
            throw new IllegalStateException("the run's evidence is closed");
        }
        if (!serverPorts.add(port) || !traced) {
            return;
        }
        tracers.add(TcpTracer.start(Set.of(port), this::print));
    }

    /** The server ports named so far. */
    synchronized Set<Integer> serverPorts() {
        return Set.copyOf(serverPorts);
    }

    /**
     * Every event recorded so far, read to the end ({@link TcpTracer#sync}), with the
     * count of events lost; empty when polling.
     */
    synchronized KernelFacts facts() throws IOException, InterruptedException {
        if (closed) {
            return new KernelFacts(finalEvents, serverPorts, finalOverruns);
        }
        List<KernelEvent> events = new ArrayList<>();
        long overruns = 0;
        for (TcpTracer tracer : tracers) {
            tracer.sync(SYNC_TIMEOUT);
            events.addAll(tracer.events());
            overruns += tracer.overruns();
        }
        events.sort(Comparator.comparingLong(KernelEvent::monoNanos));
        KernelFacts facts = new KernelFacts(events, serverPorts, overruns);
        if (overruns > 0) {
            timeline.log("kernel", overruns + " kernel events lost (trace buffer overrun): transitions cannot be judged");
        }
        return facts;
    }

    /** Reads what is left, stops every tracer and removes its instance; the facts stay readable. */
    @Override
    public synchronized void close() throws IOException, InterruptedException {
        if (closed) {
            return;
        }
        IOException failure = null;
        try {
            KernelFacts last = facts();
            finalEvents.addAll(last.events());
            finalOverruns = last.overruns();
        } catch (IOException e) {
            failure = e;
        }
        closed = true;
        for (TcpTracer tracer : tracers) {
            try {
                tracer.close();
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private void print(KernelEvent event) {
        if (!printing) {
            return;
        }
        String text = describe(event, serverPorts.contains(event.local().getPort()) ? "server" : "client");
        if (text != null) {
            timeline.kernel(event.monoNanos(), text);
        }
    }

    /** An event as the timeline shows it, or null for a self-transition (which is ignored). */
    static String describe(KernelEvent event, String end) {
        String socket = TraceLines.format(event.local());
        return switch (event.kind()) {
            case STATE -> event.from() == event.to() ? null : end + " " + socket + " " + event.from() + " -> " + event.to();
            case RESET_SENT -> "RST sent by the " + end + "'s kernel from " + socket + " (state " + event.from()
                    + ", reason " + event.reason() + ")";
            case RESET_RECEIVED -> "RST received by the " + end + " " + socket;
            case ERROR -> "error " + event.errno() + " (" + Errnos.name(event.errno()) + ") stored on the " + end
                    + "'s socket " + socket;
            case RETRANSMIT -> "retransmission by the " + end + " " + socket + " (state " + event.from() + ")";
        };
    }
}
