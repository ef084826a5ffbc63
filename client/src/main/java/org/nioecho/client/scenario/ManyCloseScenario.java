package org.nioecho.client.scenario;

import org.nioecho.harness.ServerProcess;
import org.nioecho.kernel.KernelEvent;
import org.nioecho.kernel.TcpState;
import org.nioecho.kernel.TcpTable;

import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Notes §5 (the waitpid loop): many peers close in the same instant; one wake-up brings
 * many ready keys and the reactor must reap every one: connection count and the server's
 * sockets back to the baseline, no CLOSE_WAIT left on the server's side.
 */
final class ManyCloseScenario implements Scenario {
    private static final int CLIENTS = 1000;
    private static final Duration REAP_TIMEOUT = Duration.ofSeconds(20);

    @Override
    public String name() {
        return "many-close";
    }

    @Override
    public String notesSay() {
        return "many children die at once and one coalesced SIGCHLD arrives: loop waitpid until none is left; "
                + "for us: " + CLIENTS + " peers close at once and the reactor reaps them all";
    }

    @Override
    public Verdict run(ScenarioContext context) throws Exception {
        Timeline timeline = context.timeline();
        List<Socket> clients = new ArrayList<>(CLIENTS);
        context.evidence().printEachEvent(false); // thousands of events: counted below instead
        try (ServerProcess server = Servers.start(context)) {
            int port = server.port();
            warmUp(server);
            int baselineFds = server.openDescriptors();
            int baselineSockets = server.openSockets();
            ServerStats before = Servers.statsLogged(timeline, server);
            timeline.log("server", baselineFds + " open descriptors, " + baselineSockets + " of them sockets (baseline)");
            long openStart = System.nanoTime();
            for (int i = 0; i < CLIENTS; i++) {
                Socket socket = new Socket();
                clients.add(socket);
                socket.connect(server.address(), 5_000);
            }
            timeline.log("client", "connect x" + CLIENTS, "ok, in " + millisSince(openStart) + " ms");
            boolean allAccepted = Poll.until(REAP_TIMEOUT, () -> Servers.stats(server).open() == CLIENTS);
            ServerStats peak = Servers.statsLogged(timeline, server);
            int peakSockets = server.openSockets();
            timeline.log("server", server.openDescriptors() + " open descriptors, " + peakSockets + " sockets, with "
                    + peak.open() + " connections open");
            long closeStart = System.nanoTime();
            for (Socket socket : clients) {
                socket.close();
            }
            timeline.log("client", "close x" + CLIENTS + " in one loop", "ok, in " + millisSince(closeStart) + " ms");
            boolean reaped = Poll.until(REAP_TIMEOUT, () -> Servers.stats(server).open() == 0
                    && server.openSockets() <= baselineSockets && closeWaitOn(port) == 0);
            long reapMs = millisSince(closeStart);
            ServerStats after = Servers.statsLogged(timeline, server);
            int afterSockets = server.openSockets();
            long closeWait = closeWaitOn(port);
            long timeWait = TcpTable.onPort(port).stream()
                    .filter(e -> e.remote().getPort() == port && e.state() == TcpState.TIME_WAIT).count();
            timeline.log("server", server.openDescriptors() + " open descriptors, " + afterSockets + " sockets, "
                    + after.open() + " connections open, "
                    + (reaped ? "reaped within " + reapMs + " ms of the first close" : "NOT reaped within " + REAP_TIMEOUT.toSeconds() + " s"));
            timeline.log("kernel", closeWait + " CLOSE_WAIT on the server's side, " + timeWait + " TIME_WAIT on the clients' side");
            long eofs = after.closed("eof") - before.closed("eof");
            boolean matched = allAccepted && reaped && after.open() == 0 && afterSockets <= baselineSockets
                    && closeWait == 0 && eofs == CLIENTS;
            String observed = CLIENTS + " peers closed in one loop: "
                    + eofs + " reaped as eof, connections open " + peak.open() + " → " + after.open()
                    + ", server sockets " + baselineSockets + " → " + peakSockets + " → " + afterSockets + ", "
                    + closeWait + " CLOSE_WAIT left, " + timeWait + " client TIME_WAIT; all reaped in " + reapMs + " ms";
            if (context.evidence().traced()) {
                KernelFacts facts = context.evidence().facts();
                Walked walked = walked(facts, port, clients);
                timeline.log("kernel", facts.events().size() + " kernel events in the run; " + walked.full() + " of "
                        + CLIENTS + " server sockets walked CLOSE_WAIT → LAST_ACK → CLOSE, " + walked.stuck()
                        + " ended in CLOSE_WAIT, over " + walked.spanMs() + " ms; " + facts.overruns() + " events lost");
                matched &= facts.complete() && walked.full() == CLIENTS && walked.stuck() == 0;
                observed += "; traced: " + walked.full() + " of " + CLIENTS
                        + " server sockets walked CLOSE_WAIT → LAST_ACK → CLOSE (in " + walked.spanMs() + " ms), "
                        + walked.stuck() + " ended in CLOSE_WAIT, " + facts.events().size() + " events"
                        + (facts.complete() ? ", none lost" : facts.lostText());
            }
            return Verdict.of(this, matched, observed);
        } finally {
            for (Socket socket : clients) {
                socket.close();
            }
        }
    }

    /** How the server's sockets of the closed peers walked, from the trace. */
    private record Walked(int full, int stuck, long spanMs) {
    }

    private static Walked walked(KernelFacts facts, int port, List<Socket> clients) {
        int full = 0;
        int stuck = 0;
        for (Socket client : clients) {
            List<TcpState> walk = facts.walk(port, client.getLocalPort());
            if (KernelFacts.walks(walk, TcpState.ESTABLISHED, TcpState.CLOSE_WAIT, TcpState.LAST_ACK, TcpState.CLOSE)) {
                full++;
            } else if (!walk.isEmpty() && walk.get(walk.size() - 1) == TcpState.CLOSE_WAIT) {
                stuck++;
            }
        }
        List<Long> closeWaits = facts.of(KernelEvent.Kind.STATE).stream()
                .filter(e -> e.local().getPort() == port && e.to() == TcpState.CLOSE_WAIT).map(KernelEvent::monoNanos).toList();
        List<Long> closes = facts.of(KernelEvent.Kind.STATE).stream()
                .filter(e -> e.local().getPort() == port && e.from() == TcpState.LAST_ACK).map(KernelEvent::monoNanos).toList();
        long spanMs = closeWaits.isEmpty() || closes.isEmpty() ? 0
                : (closes.get(closes.size() - 1) - closeWaits.get(0)) / 1_000_000;
        return new Walked(full, stuck, spanMs);
    }

    /**
     * A few connections opened and closed first, so that whatever the server's JVM opens
     * once on its first connections is open already when the baseline is taken.
     */
    private static void warmUp(ServerProcess server) throws IOException, InterruptedException {
        for (int i = 0; i < 10; i++) {
            try (Socket socket = new Socket()) {
                socket.connect(server.address(), 5_000);
            }
        }
        if (!Poll.until(REAP_TIMEOUT, () -> Servers.stats(server).open() == 0)) {
            throw new IOException("the server did not close its 10 warm-up connections");
        }
    }

    private static long closeWaitOn(int port) throws IOException {
        return TcpTable.onPort(port).stream()
                .filter(e -> e.local().getPort() == port && e.state() == TcpState.CLOSE_WAIT).count();
    }

    private static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
