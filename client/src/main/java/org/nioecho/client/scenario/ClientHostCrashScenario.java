package org.nioecho.client.scenario;

import org.nioecho.harness.ServerProcess;
import org.nioecho.kernel.Errnos;
import org.nioecho.kernel.KernelEvent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Notes §6.4 from the server's side: the client host crashes while the server owes it
 * echoes. The server's retransmissions give up (ETIMEDOUT, or EHOSTUNREACH once ARP fails);
 * it closes that connection with cause {@code timed.out} (or {@code unreachable}), counts
 * it, and keeps serving. The owed bytes are made deterministic: the server is stopped
 * (SIGSTOP) while the client's bytes reach its kernel, the client host crashes, and only then
 * does the server continue (SIGCONT) and echo into the void.
 */
final class ClientHostCrashScenario implements Scenario {
    static final int OWED_BYTES = 6000;
    private static final Duration CLOSE_BOUND = Duration.ofSeconds(60);
    private static final Duration SHORT = Duration.ofSeconds(10);

    @Override
    public String name() {
        return "client-host-crash";
    }

    @Override
    public String notesSay() {
        return "client host crashes while the server owes it echoes: the server's retransmissions give up, it closes "
                + "the connection as timed.out (ETIMEDOUT; unreachable if it got EHOSTUNREACH) and keeps serving";
    }

    /**
     * The counts the README documents for a vanished client host: exactly one connection
     * closed, as {@code timed.out} or {@code unreachable}, nothing else.
     */
    static boolean closedAsVanishedHost(ServerStats stats) {
        return stats.accepted() == 1 && stats.closedTotal() == 1
                && stats.closed("timed.out") + stats.closed("unreachable") == 1;
    }

    @Override
    public Verdict run(ScenarioContext context) throws Exception {
        Optional<String> unavailable = NetnsLab.unavailableReason();
        if (unavailable.isPresent()) {
            return Verdict.skipped(this, unavailable.get());
        }
        Timeline timeline = context.timeline();
        NetnsLab.sweepLeftovers(timeline);
        try (NetnsLab lab = NetnsLab.create(timeline, HostCrashScenario.TCP_RETRIES2)) {
            timeline.log("netns", "server namespace: " + lab.serverSysctl("net.ipv4.tcp_retries2"));
            try (ServerProcess server = Servers.start(context, lab.inServer(), "--bind", NetnsLab.SERVER_ADDRESS);
                 ProbeProcess client = ProbeProcess.start(timeline, lab.inClient(), context.probeClassPath())) {
                Call connect = client.call("connect " + NetnsLab.SERVER_ADDRESS + " " + server.port(),
                        "connect " + NetnsLab.SERVER_ADDRESS + ":" + server.port(), "ok, local port %d", SHORT);
                client.call("write 6", "write 6 bytes", "ok", SHORT);
                Call echo = client.call("read 5000", "read", "%d bytes", SHORT);
                if (connect.failed() || echo.failed() || echo.value() != 6) {
                    return Verdict.of(this, false, "no working connection before the crash: connect "
                            + connect.brief() + ", echo " + echo.brief() + Servers.errors(server));
                }
                server.signal("STOP");
                boolean stopped = Poll.until(SHORT, () -> allThreadsStopped(server.pid()));
                timeline.log("signal", "SIGSTOP to server pid " + server.pid() + (stopped ? ": every thread stopped" : ": NOT stopped"));
                Call write = client.call("write " + OWED_BYTES, "write " + OWED_BYTES + " bytes", "ok", SHORT);
                boolean acked = Poll.until(SHORT, Duration.ofMillis(20), () -> client.state().contains("send-queue=0B"));
                if (!stopped || write.failed() || !acked) {
                    return Verdict.of(this, false, "could not make the server owe echoes: stopped " + stopped
                            + ", write " + write.brief() + ", acknowledged by the server's kernel " + acked);
                }
                lab.crashClientHost();
                server.signal("CONT");
                timeline.log("signal", "SIGCONT to server pid " + server.pid() + ": it reads " + OWED_BYTES
                        + " bytes and echoes them to the crashed host");
                long start = System.nanoTime();
                boolean closed = Poll.until(CLOSE_BOUND, Duration.ofMillis(100), () -> Servers.stats(server).closedTotal() > 0);
                long closedAfterMs = (System.nanoTime() - start) / 1_000_000;
                ServerStats stats = Servers.statsLogged(timeline, server);
                boolean matched = closed && closedAsVanishedHost(stats) && server.isAlive();
                String traced = "";
                if (context.evidence().traced()) {
                    KernelFacts facts = context.evidence().facts();
                    List<KernelEvent> serverSockets = facts.of(KernelEvent.Kind.STATE).stream()
                            .filter(e -> e.local().getPort() == server.port() && e.remote().getPort() == connect.value())
                            .toList();
                    long retransmissions = facts.on(server.port(), KernelEvent.Kind.RETRANSMIT).stream()
                            .filter(e -> e.remote().getPort() == connect.value()).count();
                    List<Integer> errors = facts.on(server.port(), KernelEvent.Kind.ERROR).stream()
                            .filter(e -> e.remote().getPort() == connect.value()).map(KernelEvent::errno).toList();
                    boolean exact = !serverSockets.isEmpty() && retransmissions > 0 && errors.size() == 1
                            && HostCrashScenario.GAVE_UP_ERRNOS.contains(errors.get(0));
                    timeline.log("kernel", "the server's socket: " + retransmissions + " retransmissions, then errors "
                            + errors);
                    matched &= facts.complete() && exact;
                    traced = "; traced: the server's socket made " + retransmissions + " retransmissions, then errors "
                            + errors.stream().map(e -> e + " (" + Errnos.name(e) + ")").toList() + facts.lostText();
                }
                return Verdict.of(this, matched, "the server echoed " + OWED_BYTES + " bytes to the crashed client host; "
                        + (closed ? "it closed the connection after ~" + closedAfterMs + " ms" : "no close within "
                        + CLOSE_BOUND.toSeconds() + " s") + " with net.ipv4.tcp_retries2=" + HostCrashScenario.TCP_RETRIES2
                        + " in its namespace; server counts: closed " + stats.closed() + ", " + stats.accepted()
                        + " accepted; server " + (server.isAlive() ? "still serving" : "GONE") + Servers.errors(server)
                        + traced);
            }
        }
    }

    /** True when every thread of the process is stopped (SIGSTOP takes effect asynchronously). */
    private static boolean allThreadsStopped(long pid) throws IOException {
        try (Stream<Path> threads = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            return threads.allMatch(task -> {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    char state = stat.charAt(stat.lastIndexOf(')') + 2);
                    return state == 'T' || state == 't';
                } catch (IOException e) {
                    return true; // the thread ended
                }
            });
        }
    }
}
