package org.nioecho.client.scenario;

import org.nioecho.kernel.KernelEvent;
import org.nioecho.kernel.TcpState;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The kernel's trace of one run, read for verdicts: each socket's walk through the states
 * (self-transitions such as a repeated FIN_WAIT1 ignored), the RSTs each end's kernel sent
 * and received, the errors stored on sockets and the retransmissions. A socket is told by
 * its local and remote ports; it is the server's end when its local port is a server port.
 *
 * @param events      the events, in time order
 * @param serverPorts the server ports of the run
 * @param overruns    events lost to a full buffer: with any lost, no walk can be trusted
 */
record KernelFacts(List<KernelEvent> events, Set<Integer> serverPorts, long overruns) {
    KernelFacts {
        events = List.copyOf(events);
        serverPorts = Set.copyOf(serverPorts);
    }

    /** True when no event was lost: only then can a walk be required. */
    boolean complete() {
        return overruns == 0;
    }

    boolean isServer(KernelEvent event) {
        return serverPorts.contains(event.local().getPort());
    }

    /** {@code server} or {@code client}. */
    String end(KernelEvent event) {
        return isServer(event) ? "server" : "client";
    }

    /**
     * The states one socket went through, e.g. {@code [ESTABLISHED, FIN_WAIT1, FIN_WAIT2, CLOSE]}:
     * the first transition's {@code from}, then each {@code to} that differs from the state before.
     */
    List<TcpState> walk(int localPort, int remotePort) {
        return walk(e -> e.local().getPort() == localPort && e.remote().getPort() == remotePort);
    }

    private List<TcpState> walk(Predicate<KernelEvent> socket) {
        List<TcpState> walk = new ArrayList<>();
        for (KernelEvent event : events) {
            if (event.kind() != KernelEvent.Kind.STATE || !socket.test(event)) {
                continue;
            }
            if (walk.isEmpty()) {
                walk.add(event.from());
            }
            if (event.to() != walk.get(walk.size() - 1)) {
                walk.add(event.to());
            }
        }
        return walk;
    }

    /** Every socket's walk, by {@code localPort->remotePort}, in the order the sockets first appear. */
    Map<String, List<TcpState>> walks(boolean serverEnd) {
        Map<String, List<TcpState>> walks = new LinkedHashMap<>();
        for (KernelEvent event : events) {
            if (event.kind() == KernelEvent.Kind.STATE && isServer(event) == serverEnd) {
                int local = event.local().getPort();
                int remote = event.remote().getPort();
                walks.computeIfAbsent(local + "->" + remote, key -> walk(local, remote));
            }
        }
        return walks;
    }

    /** True when {@code walk} holds {@code steps} one right after another. */
    static boolean walks(List<TcpState> walk, TcpState... steps) {
        return Collections.indexOfSubList(walk, List.of(steps)) >= 0;
    }

    /** The walk as text: {@code ESTABLISHED → FIN_WAIT1 → FIN_WAIT2 → CLOSE}, or {@code (no events)}. */
    static String text(List<TcpState> walk) {
        return walk.isEmpty() ? "(no events)" : walk.stream().map(TcpState::name).collect(Collectors.joining(" → "));
    }

    /** Events of one kind, in order. */
    List<KernelEvent> of(KernelEvent.Kind kind) {
        return events.stream().filter(e -> e.kind() == kind).toList();
    }

    /** RSTs sent by the server's ({@code serverEnd}) or the client's kernel. */
    List<KernelEvent> resetsSent(boolean serverEnd) {
        return of(KernelEvent.Kind.RESET_SENT).stream().filter(e -> isServer(e) == serverEnd).toList();
    }

    /** RSTs received by a server ({@code serverEnd}) or client socket. */
    List<KernelEvent> resetsReceived(boolean serverEnd) {
        return of(KernelEvent.Kind.RESET_RECEIVED).stream().filter(e -> isServer(e) == serverEnd).toList();
    }

    /** The errnos stored on server ({@code serverEnd}) or client sockets, in order. */
    List<Integer> errors(boolean serverEnd) {
        return of(KernelEvent.Kind.ERROR).stream().filter(e -> isServer(e) == serverEnd).map(KernelEvent::errno).toList();
    }

    /** Retransmissions by server ({@code serverEnd}) or client sockets. */
    long retransmissions(boolean serverEnd) {
        return of(KernelEvent.Kind.RETRANSMIT).stream().filter(e -> isServer(e) == serverEnd).count();
    }

    /** Events of one kind on the socket whose own port is {@code localPort}. */
    List<KernelEvent> on(int localPort, KernelEvent.Kind kind) {
        return of(kind).stream().filter(e -> e.local().getPort() == localPort).toList();
    }

    /**
     * The socket {@code localPort}'s story of giving up: how many retransmissions it made
     * before the first error stored on it, and that error ({@code 0} when none was stored),
     * e.g. {@code 6 retransmissions, then error 110 (ETIMEDOUT)}.
     */
    GaveUp gaveUp(int localPort) {
        List<KernelEvent> errors = on(localPort, KernelEvent.Kind.ERROR);
        long until = errors.isEmpty() ? Long.MAX_VALUE : errors.get(0).monoNanos();
        long retransmissions = on(localPort, KernelEvent.Kind.RETRANSMIT).stream().filter(e -> e.monoNanos() <= until).count();
        return new GaveUp(retransmissions, errors.isEmpty() ? 0 : errors.get(0).errno());
    }

    /** Retransmissions before the first stored error, and that errno (0: none). */
    record GaveUp(long retransmissions, int errno) {
        String text() {
            return retransmissions + " retransmissions, then " + (errno == 0 ? "NO error stored"
                    : "error " + errno + " (" + org.nioecho.kernel.Errnos.name(errno) + ") stored");
        }
    }

    /** {@code , 3 kernel events lost} when some were, else empty: for verdict texts. */
    String lostText() {
        return complete() ? "" : "; " + overruns + " kernel events lost, so the transitions are not judged";
    }
}
