package org.nioecho.client.scenario;

import org.nioecho.harness.ServerProcess;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * Notes §6.4: the server host crashes (nothing is sent). The client's write succeeds; its
 * read ends after the retransmissions with ETIMEDOUT, or EHOSTUNREACH/ENETUNREACH. The
 * server lives in its own network namespace; the client namespace's
 * {@code net.ipv4.tcp_retries2} is lowered so that this takes seconds, not 15 minutes.
 */
final class HostCrashScenario implements Scenario {
    static final int TCP_RETRIES2 = 4;
    private static final Duration READ_BOUND = Duration.ofSeconds(60);
    /** ETIMEDOUT (110) or EHOSTUNREACH (113) stored on the client's socket when it gives up. */
    static final Set<Integer> GAVE_UP_ERRNOS = Set.of(110, 113);
    private static final Set<String> EXPECTED = Set.of("ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH");

    @Override
    public String name() {
        return "host-crash";
    }

    @Override
    public String notesSay() {
        return "server host crashes, nothing is sent: the client's write succeeds; its read fails after the "
                + "retransmissions with ETIMEDOUT (or EHOSTUNREACH/ENETUNREACH)";
    }

    /**
     * The crashed host's server learns nothing (nothing reaches it, it owes nothing): its one
     * connection is still open, no close of any cause is counted.
     */
    static boolean serverStillHoldsTheConnection(ServerStats stats) {
        return stats.accepted() == 1 && stats.closedTotal() == 0;
    }

    @Override
    public Verdict run(ScenarioContext context) throws Exception {
        Optional<String> unavailable = NetnsLab.unavailableReason();
        if (unavailable.isPresent()) {
            return Verdict.skipped(this, unavailable.get());
        }
        Timeline timeline = context.timeline();
        NetnsLab.sweepLeftovers(timeline);
        try (NetnsLab lab = NetnsLab.create(timeline, TCP_RETRIES2)) {
            timeline.log("netns", "client namespace: " + lab.clientSysctl("net.ipv4.tcp_retries2"));
            try (ServerProcess server = Servers.start(context, lab.inServer(), "--bind", NetnsLab.SERVER_ADDRESS);
                 ProbeProcess client = ProbeProcess.start(timeline, lab.inClient(), context.probeClassPath())) {
                Duration shortCall = Duration.ofSeconds(10);
                Call connect = client.call("connect " + NetnsLab.SERVER_ADDRESS + " " + server.port(),
                        "connect " + NetnsLab.SERVER_ADDRESS + ":" + server.port(), "ok, local port %d", shortCall);
                client.call("write 6", "write 6 bytes", "ok", shortCall);
                Call echo = client.call("read 5000", "read", "%d bytes", shortCall);
                if (connect.failed() || echo.failed() || echo.value() != 6) {
                    return Verdict.of(this, false, "no working connection before the crash: connect "
                            + connect.brief() + ", echo " + echo.brief() + Servers.errors(server));
                }
                lab.crashServerHost();
                Call write = client.call("write 6", "write 6 bytes", "ok", shortCall);
                client.state();
                Call read = client.call("read " + READ_BOUND.toMillis(), "read (blocks)", "%d bytes",
                        READ_BOUND.plusSeconds(10));
                client.state();
                ServerStats stats = Servers.statsLogged(timeline, server);
                boolean serverUnaware = serverStillHoldsTheConnection(stats);
                boolean matched = !write.failed() && read.failed() && EXPECTED.contains(read.errno()) && serverUnaware;
                String observed = "write → " + write.brief() + "; read → " + read.brief()
                        + " (" + read.message() + ") with net.ipv4.tcp_retries2=" + TCP_RETRIES2
                        + " in the client's namespace; the crashed host's server " + (serverUnaware
                        ? "still holds the connection (closed: none)" : "DID NOT: " + stats.accepted()
                        + " accepted, closed " + stats.closed());
                if (context.evidence().traced()) {
                    KernelFacts facts = context.evidence().facts();
                    KernelFacts.GaveUp gaveUp = facts.gaveUp((int) connect.value());
                    boolean exact = gaveUp.retransmissions() > 0 && GAVE_UP_ERRNOS.contains(gaveUp.errno());
                    timeline.log("kernel", "the client's socket: " + gaveUp.text());
                    matched &= facts.complete() && exact;
                    observed += "; traced: the client's socket made " + gaveUp.text() + facts.lostText();
                }
                return Verdict.of(this, matched, observed);
            }
        }
    }
}
