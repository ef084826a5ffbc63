package org.nioecho.client.scenario;

import org.nioecho.harness.ServerProcess;
import org.nioecho.kernel.KernelEvent;
import org.nioecho.kernel.TcpState;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * Notes §6.1: the handshake completes, then the client sends RST before the server calls
 * accept. Systems differ (the kernel hides it, or accept fails with ECONNABORTED/EPROTO);
 * the server must carry on accepting. The server is held back with {@code pause-accept}.
 */
final class RstBeforeAcceptScenario implements Scenario {
    private static final int ECONNRESET = 104;

    @Override
    public String name() {
        return "rst-before-accept";
    }

    @Override
    public String notesSay() {
        return "connection reset before accept: the kernel hides it, or accept returns ECONNABORTED/EPROTO (BSDs); "
                + "the server must carry on accepting";
    }

    @Override
    public Verdict run(ScenarioContext context) throws Exception {
        Timeline timeline = context.timeline();
        try (ServerProcess server = Servers.start(context)) {
            server.control("pause-accept");
            timeline.log("control", "pause-accept", "ok");
            StateWatch.Side clientSide;
            StateWatch.Side serverSide;
            try (TracedSocket doomed = TracedSocket.connect(timeline, "client1", server.address())) {
                clientSide = doomed.side("client1");
                serverSide = doomed.peerSide("server (accept queue)");
                Poll.until(Duration.ofSeconds(5), () -> StateWatch.stateOf(serverSide).equals("ESTABLISHED"));
                StateWatch.snapshot(timeline, clientSide, serverSide);
                ServerStats waiting = Servers.statsLogged(timeline, server);
                if (waiting.accepted() != 0) {
                    return Verdict.of(this, false, "the server accepted while paused (" + waiting.accepted() + " accepted)");
                }
                doomed.abort();
            }
            StateWatch.snapshot(timeline, clientSide, serverSide);
            server.control("resume-accept");
            timeline.log("control", "resume-accept", "ok");
            boolean handled = Poll.until(Duration.ofSeconds(10), () -> {
                ServerStats stats = Servers.stats(server);
                return stats.acceptErrorsTotal() > 0 || (stats.accepted() == 1 && stats.open() == 0);
            });
            ServerStats after = Servers.statsLogged(timeline, server);
            String linuxDid = after.acceptErrorsTotal() > 0
                    ? "accept failed for it (accept errors " + after.acceptErrors() + ")"
                    : after.accepted() == 1 ? "accept returned the dead connection; the server closed it as " + after.closed()
                    : "nothing reached the server (the kernel hid it)";
            timeline.log("kernel", "Linux: " + linuxDid);
            byte[] hello = "still there?\n".getBytes(StandardCharsets.US_ASCII);
            boolean carriesOn;
            try (TracedSocket next = TracedSocket.connect(timeline, "client2", server.address())) {
                next.write(hello);
                carriesOn = Arrays.equals(next.readExactly(hello.length).bytes(), hello);
            }
            boolean alive = server.isAlive();
            boolean matched = handled && carriesOn && alive;
            String observed = "Linux: " + linuxDid + "; the server "
                    + (alive && carriesOn ? "carried on accepting and echoing" : "did NOT carry on");
            if (context.evidence().traced()) {
                KernelFacts facts = context.evidence().facts();
                String traced = traced(facts, clientSide);
                boolean closedAsReset = after.closed("reset") == 1 && after.accepted() == 1;
                matched &= traced.isEmpty() && closedAsReset && facts.complete();
                observed += "; traced: the client's kernel sent the RST, the server's socket (still in the accept queue) "
                        + KernelFacts.text(facts.walk(clientSide.remotePort(), clientSide.localPort()))
                        + " with error " + facts.errors(true) + traced
                        + (closedAsReset ? ", then the server closed it as reset" : ", the server did NOT close it as reset")
                        + facts.lostText();
            }
            return Verdict.of(this, matched, observed);
        }
    }

    /**
     * Empty when the trace shows the client's kernel sending the RST (from the client's port)
     * and then the queued server socket receiving it: ESTABLISHED → CLOSE with ECONNRESET
     * stored; else what is missing. (Their times are not compared: on loopback the RST is
     * delivered inside the send, before the sender's tracepoint fires.)
     */
    static String traced(KernelFacts facts, StateWatch.Side client) {
        List<KernelEvent> sent = facts.resetsSent(false).stream()
                .filter(e -> e.local().getPort() == client.localPort() && e.remote().getPort() == client.remotePort())
                .toList();
        List<KernelEvent> serverClose = facts.of(KernelEvent.Kind.STATE).stream()
                .filter(e -> e.local().getPort() == client.remotePort() && e.remote().getPort() == client.localPort()
                        && e.from() == TcpState.ESTABLISHED && e.to() == TcpState.CLOSE).toList();
        boolean received = facts.resetsReceived(true).stream().anyMatch(e -> e.remote().getPort() == client.localPort());
        boolean reset = facts.of(KernelEvent.Kind.ERROR).stream()
                .anyMatch(e -> e.remote().getPort() == client.localPort() && e.errno() == ECONNRESET);
        String missing = "";
        if (sent.isEmpty()) {
            missing += " (NO RST sent by the client's kernel)";
        }
        if (serverClose.isEmpty() || !received || !reset) {
            missing += " (the server's socket did NOT receive it: ESTABLISHED → CLOSE " + !serverClose.isEmpty()
                    + ", RST received " + received + ", ECONNRESET " + reset + ")";
        }
        return missing;
    }
}
