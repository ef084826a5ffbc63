package org.nioecho.client.scenario;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The live record of a scenario: one line per action, with the milliseconds since the
 * scenario began, who acted, and what the call returned.
 *
 * <pre>
 *     12 ms  client  write 5 bytes                -> ok
 *     15 ms  kernel  client FIN_WAIT2, server CLOSE_WAIT
 * </pre>
 */
final class Timeline {
    private final PrintStream out;
    private final List<String> lines = new ArrayList<>();
    private final List<TimelineEntry> entries = new ArrayList<>();
    private volatile long startNanos = System.nanoTime();

    Timeline(PrintStream out) {
        this.out = Objects.requireNonNull(out, "out");
    }

    /** Starts the clock again (at the start of each scenario). */
    synchronized void restart() {
        startNanos = System.nanoTime();
        entries.clear();
    }

    /** When the clock last started, on the {@link System#nanoTime()} clock. */
    long startNanos() {
        return startNanos;
    }

    long elapsedMs() {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    /** A free-standing line: {@code actor} is client, server, kernel, signal, netns, ... */
    void log(String actor, String text) {
        entry(actor, text, null);
        line(String.format("%7d ms  %-7s %s", elapsedMs(), actor, text));
    }

    /** A call and its result. */
    void log(String actor, String action, String result) {
        entry(actor, action, result);
        line(String.format("%7d ms  %-7s %-30s -> %s", elapsedMs(), actor, action, result));
    }

    /**
     * A kernel event's line, at the event's own time ({@code monoNanos}, the clock of
     * {@link System#nanoTime()}). Printed only: the events themselves go into the run's
     * {@link ScenarioRecord}, so they are not kept twice.
     */
    void kernel(long monoNanos, String text) {
        line(String.format("%7d ms  %-7s %s", (monoNanos - startNanos) / 1_000_000, "kernel", text));
    }

    /** A line without a clock (headings, verdicts). */
    void plain(String text) {
        line(text);
    }

    private synchronized void line(String text) {
        lines.add(text);
        out.println(text);
        out.flush();
    }

    synchronized List<String> lines() {
        return List.copyOf(lines);
    }

    /** The timed lines since the last {@link #restart()}, as data (for JSON and pictures). */
    synchronized List<TimelineEntry> entries() {
        return List.copyOf(entries);
    }

    private synchronized void entry(String actor, String action, String result) {
        entries.add(new TimelineEntry(System.nanoTime(), actor, action, result));
    }
}
