package org.nioecho.client.scenario;

import org.nioecho.harness.ServerProcess;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;

/**
 * Notes §6.1: the handshake completes, then the client sends RST before the server calls
 * accept. Systems differ (the kernel hides it, or accept fails with ECONNABORTED/EPROTO);
 * the server must carry on accepting. The server is held back with {@code pause-accept}.
 */
final class RstBeforeAcceptScenario implements Scenario {
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
            return Verdict.of(this, matched, "Linux: " + linuxDid + "; the server "
                    + (alive && carriesOn ? "carried on accepting and echoing" : "did NOT carry on"));
        }
    }
}
