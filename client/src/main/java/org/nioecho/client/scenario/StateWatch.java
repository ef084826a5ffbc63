package org.nioecho.client.scenario;

import org.nioecho.kernel.TcpTable;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Watches the kernel's TCP states of a few sockets (read from {@code /proc/net/tcp{,6}})
 * in a tight, bounded polling loop, and writes each change to the timeline. Fast
 * transitions (FIN_WAIT1, LAST_ACK) are caught only if a poll lands on them, so callers
 * judge by the states that last and report the rest as seen.
 */
final class StateWatch implements AutoCloseable {
    static final String GONE = "gone";
    private static final long MAX_WATCH_NANOS = TimeUnit.SECONDS.toNanos(30);
    private static final long TIGHT_NANOS = TimeUnit.MILLISECONDS.toNanos(300);

    /** One end of a connection as the kernel lists it: its local and remote ports. */
    record Side(String label, int localPort, int remotePort) {
        Side {
            Objects.requireNonNull(label, "label");
        }
    }

    private final Timeline timeline;
    private final List<Side> sides;
    private final Map<String, List<String>> walks = new LinkedHashMap<>();
    private final Thread thread;
    private volatile boolean stopped;
    private volatile long polls;
    private volatile IOException failure;

    private StateWatch(Timeline timeline, List<Side> sides) {
        this.timeline = Objects.requireNonNull(timeline, "timeline");
        this.sides = List.copyOf(sides);
        for (Side side : sides) {
            walks.put(side.label(), new ArrayList<>());
        }
        this.thread = new Thread(this::watch, "state-watch");
        thread.setDaemon(true);
    }

    /** Starts watching; the first poll happens before this returns. */
    static StateWatch start(Timeline timeline, Side... sides) throws IOException {
        StateWatch watch = new StateWatch(timeline, List.of(sides));
        watch.poll(); // the starting states, in the timeline before anything changes them
        watch.thread.start();
        return watch;
    }

    /** Logs the current states of {@code sides} once. */
    static Map<String, String> snapshot(Timeline timeline, Side... sides) throws IOException {
        Map<String, String> states = states(List.of(sides), read(List.of(sides)));
        timeline.log("kernel", render(states));
        return states;
    }

    /** The current state of one side, or {@link #GONE}. */
    static String stateOf(Side side) throws IOException {
        return states(List.of(side), read(List.of(side))).get(side.label());
    }

    /**
     * The table rows of these sides' local ports only: lines are filtered by the port's hex
     * text before parsing, which keeps a poll fast when the table holds thousands of sockets.
     */
    private static List<TcpTable.Entry> read(List<Side> sides) throws IOException {
        List<String> needles = sides.stream().map(s -> String.format(":%04X ", s.localPort())).distinct().toList();
        List<String> lines = new ArrayList<>();
        for (String file : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
            Path path = Path.of(file);
            if (!Files.exists(path)) {
                continue;
            }
            for (String line : Files.readAllLines(path)) {
                for (String needle : needles) {
                    if (line.contains(needle)) {
                        lines.add(line);
                        break;
                    }
                }
            }
        }
        return TcpTable.parse(lines);
    }

    private void watch() {
        long start = System.nanoTime();
        try {
            while (!stopped && System.nanoTime() - start < MAX_WATCH_NANOS) {
                poll();
                if (System.nanoTime() - start > TIGHT_NANOS) {
                    LockSupport.parkNanos(1_000_000);
                }
            }
        } catch (IOException e) {
            failure = e;
        }
    }

    private void poll() throws IOException {
        Map<String, String> states = states(sides, read(sides));
        polls++;
        boolean changed = false;
        synchronized (walks) {
            for (Map.Entry<String, String> state : states.entrySet()) {
                List<String> walk = walks.get(state.getKey());
                if (walk.isEmpty() || !walk.get(walk.size() - 1).equals(state.getValue())) {
                    walk.add(state.getValue());
                    changed = true;
                }
            }
        }
        if (changed) {
            timeline.log("kernel", render(states));
        }
    }

    private static Map<String, String> states(List<Side> sides, List<TcpTable.Entry> entries) {
        Map<String, String> states = new LinkedHashMap<>();
        for (Side side : sides) {
            String state = GONE;
            for (TcpTable.Entry entry : entries) {
                if (entry.local().getPort() == side.localPort() && entry.remote().getPort() == side.remotePort()) {
                    state = entry.state().name();
                    break;
                }
            }
            states.put(side.label(), state);
        }
        return states;
    }

    private static String render(Map<String, String> states) {
        StringJoiner text = new StringJoiner(", ");
        states.forEach((label, state) -> text.add(label + " " + state));
        return text.toString();
    }

    /** The distinct states one side went through, in order, e.g. {@code [ESTABLISHED, FIN_WAIT2, TIME_WAIT]}. */
    List<String> walk(String label) {
        synchronized (walks) {
            return List.copyOf(walks.get(label));
        }
    }

    /** The walk as text: {@code ESTABLISHED → FIN_WAIT2 → TIME_WAIT}. */
    String walkText(String label) {
        return String.join(" → ", walk(label));
    }

    /** The last state seen for one side. */
    String last(String label) {
        List<String> walk = walk(label);
        return walk.isEmpty() ? GONE : walk.get(walk.size() - 1);
    }

    long polls() {
        return polls;
    }

    /** Stops the polling thread and waits for it. */
    @Override
    public void close() throws InterruptedException {
        stopped = true;
        thread.join(TimeUnit.SECONDS.toMillis(5));
        if (failure != null) {
            throw new UncheckedIOException("reading /proc/net/tcp failed", failure);
        }
    }
}
