package org.nioecho.client.scenario;

import org.nioecho.harness.ServerProcess;
import org.nioecho.kernel.Errnos;
import org.nioecho.kernel.KernelEvent;
import org.nioecho.kernel.TraceLines;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Notes §6.5: the server host crashes and reboots; it has lost every connection, so it
 * answers the client's next segment with RST and the client gets ECONNRESET.
 */
final class HostRebootScenario implements Scenario {
    private static final int ECONNRESET = 104;

    @Override
    public String name() {
        return "host-reboot";
    }

    @Override
    public String notesSay() {
        return "server host crashes and reboots without its connection state: the client's next segment draws "
                + "an RST, the client gets ECONNRESET";
    }

    /** The RST comes from the rebooted host's kernel: its new server accepted and closed nothing. */
    static boolean newServerSawNothing(ServerStats stats) {
        return stats.accepted() == 0 && stats.closedTotal() == 0;
    }

    @Override
    public Verdict run(ScenarioContext context) throws Exception {
        Optional<String> unavailable = NetnsLab.unavailableReason();
        if (unavailable.isPresent()) {
            return Verdict.skipped(this, unavailable.get());
        }
        Timeline timeline = context.timeline();
        NetnsLab.sweepLeftovers(timeline);
        Duration shortCall = Duration.ofSeconds(10);
        try (NetnsLab lab = NetnsLab.create(timeline, HostCrashScenario.TCP_RETRIES2);
             ProbeProcess client = ProbeProcess.start(timeline, lab.inClient(), context.probeClassPath())) {
            int port;
            Call connect;
            try (ServerProcess server = Servers.start(context, lab.inServer(), "--bind", NetnsLab.SERVER_ADDRESS)) {
                port = server.port();
                connect = client.call("connect " + NetnsLab.SERVER_ADDRESS + " " + port,
                        "connect " + NetnsLab.SERVER_ADDRESS + ":" + port, "ok, local port %d", shortCall);
                client.call("write 6", "write 6 bytes", "ok", shortCall);
                Call echo = client.call("read 5000", "read", "%d bytes", shortCall);
                if (connect.failed() || echo.failed() || echo.value() != 6) {
                    return Verdict.of(this, false, "no working connection before the crash: connect "
                            + connect.brief() + ", echo " + echo.brief() + Servers.errors(server));
                }
                lab.crashServerHost();
                server.signal("KILL");
                timeline.log("signal", "SIGKILL to the crashed host's server, pid " + server.pid()
                        + " (exit " + server.awaitExit(Servers.EXIT_TIMEOUT) + ")");
            }
            lab.rebootServerHost();
            try (ServerProcess rebooted = Servers.start(context, lab.inServer(), "--bind", NetnsLab.SERVER_ADDRESS,
                    "--port", Integer.toString(port))) {
                client.state();
                long writeStart = System.nanoTime();
                Call write = client.call("write 6", "write 6 bytes", "ok", shortCall);
                Call read = client.call("read 20000", "read", "%d bytes", Duration.ofSeconds(30));
                client.state();
                ServerStats stats = Servers.statsLogged(timeline, rebooted);
                boolean matched = !write.failed() && read.failedWith("ECONNRESET") && rebooted.isAlive()
                        && newServerSawNothing(stats);
                String observed = "after the reboot (a new server on the same address and port): write → "
                        + write.brief() + "; read → " + read.brief() + " (" + read.message() + "); the new server "
                        + (newServerSawNothing(stats) ? "saw nothing (its kernel sent the RST): 0 accepted, closed: none"
                        : "COUNTED: " + stats.accepted() + " accepted, closed " + stats.closed());
                if (context.evidence().traced()) {
                    KernelFacts facts = context.evidence().facts();
                    int clientPort = (int) connect.value();
                    List<KernelEvent> sent = facts.resetsSent(true).stream()
                            .filter(e -> e.monoNanos() >= writeStart && e.local().getPort() == port
                                    && e.local().getAddress().getHostAddress().equals(NetnsLab.SERVER_ADDRESS))
                            .toList();
                    List<Integer> errors = facts.on(clientPort, KernelEvent.Kind.ERROR).stream().map(KernelEvent::errno).toList();
                    // The listener of the rebooted host answers (its socket, state LISTEN, is the RST's
                    // local end; the segment's source may not be in the event): told by address, port and time.
                    boolean exact = !sent.isEmpty() && errors.equals(List.of(ECONNRESET));
                    matched &= facts.complete() && exact;
                    observed += "; traced: " + (sent.isEmpty() ? "NO RST sent from " + NetnsLab.SERVER_ADDRESS
                            : sent.size() + " RST sent by the rebooted server's kernel from " + NetnsLab.SERVER_ADDRESS
                            + ":" + port + " (to " + TraceLines.format(sent.get(0).remote()) + ", state " + sent.get(0).from()
                            + ", reason " + sent.get(0).reason() + ")")
                            + ", then errors stored on the client's socket " + errors.stream()
                            .map(e -> e + " (" + Errnos.name(e) + ")").toList() + facts.lostText();
                }
                return Verdict.of(this, matched, observed);
            }
        }
    }
}
