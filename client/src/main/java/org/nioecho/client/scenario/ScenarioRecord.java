package org.nioecho.client.scenario;

import org.nioecho.kernel.KernelEvent;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Everything one scenario run left behind, for its JSON and its picture: the verdict, how
 * the evidence was gathered, the timeline of calls, and the kernel's own events.
 *
 * @param verdict     what the notes say, what was observed, MATCH/MISMATCH/SKIPPED
 * @param evidence    {@code tracepoints} (the kernel's record) or {@code polling} ({@code /proc/net/tcp})
 * @param startNanos  when the scenario began, on the {@link System#nanoTime()} clock; times are relative to it
 * @param timeline    the calls and their results, in order
 * @param events      the kernel's events on the scenario's ports, in order (empty when polling)
 * @param serverPorts the ports of the server side: an event whose socket has one of them as its
 *                    own port belongs to the server end, any other to the client end
 * @param overruns    kernel events lost to a full trace buffer (0: none lost)
 */
public record ScenarioRecord(Verdict verdict, String evidence, long startNanos, List<TimelineEntry> timeline,
                             List<KernelEvent> events, Set<Integer> serverPorts, long overruns) {
    public ScenarioRecord {
        Objects.requireNonNull(verdict, "verdict");
        Objects.requireNonNull(evidence, "evidence");
        timeline = List.copyOf(timeline);
        events = List.copyOf(events);
        serverPorts = Set.copyOf(serverPorts);
    }

    /** {@code server} or {@code client}: the end that {@code event}'s socket is. */
    public String end(KernelEvent event) {
        return serverPorts.contains(event.local().getPort()) ? "server" : "client";
    }

    /** Milliseconds from the scenario's start to {@code monoNanos}. */
    public double ms(long monoNanos) {
        return (monoNanos - startNanos) / 1e6;
    }
}
