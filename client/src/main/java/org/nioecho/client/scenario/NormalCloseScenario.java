package org.nioecho.client.scenario;

import org.nioecho.server.ServerProcess;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * Notes §2: the client closes first: client FIN_WAIT1 → FIN_WAIT2 → TIME_WAIT, server
 * CLOSE_WAIT → LAST_ACK → gone. Only the lasting states are required; transients are reported.
 */
final class NormalCloseScenario implements Scenario {
    private static final List<String> TRANSIENT = List.of("FIN_WAIT1", "FIN_WAIT2", "CLOSE_WAIT", "LAST_ACK");

    @Override
    public String name() {
        return "normal-close";
    }

    @Override
    public String notesSay() {
        return "closer FIN_WAIT_1 → FIN_WAIT_2 → TIME_WAIT; server CLOSE_WAIT → LAST_ACK → CLOSED; "
                + "the server must not sit in CLOSE_WAIT nor end in TIME_WAIT";
    }

    @Override
    public Verdict run(ScenarioContext context) throws Exception {
        Timeline timeline = context.timeline();
        try (ServerProcess server = Servers.start(context);
             TracedSocket client = TracedSocket.connect(timeline, "client", server.address())) {
            byte[] hello = "hello\n".getBytes(StandardCharsets.US_ASCII);
            client.write(hello);
            client.readExactly(hello.length);
            StateWatch watch = StateWatch.start(timeline, client.side("client"), client.peerSide("server"));
            boolean settled;
            try {
                client.closeLogged();
                settled = Poll.until(Duration.ofSeconds(5), () ->
                        watch.last("client").equals("TIME_WAIT") && watch.last("server").equals(StateWatch.GONE));
            } finally {
                watch.close();
            }
            ServerStats stats = Servers.statsLogged(timeline, server);
            List<String> clientWalk = watch.walk("client");
            List<String> serverWalk = watch.walk("server");
            String transients = caught(clientWalk, serverWalk);
            timeline.log("kernel", watch.polls() + " polls of /proc/net/tcp; transient states caught: " + transients);
            boolean matched = settled && clientWalk.get(clientWalk.size() - 1).equals("TIME_WAIT")
                    && serverWalk.get(serverWalk.size() - 1).equals(StateWatch.GONE)
                    && !serverWalk.contains("TIME_WAIT") && stats.closed("eof") == 1 && stats.open() == 0;
            return Verdict.of(this, matched, "client " + watch.walkText("client") + "; server " + watch.walkText("server")
                    + " (transients caught: " + transients + "); server closed it as eof=" + stats.closed("eof"));
        }
    }

    private static String caught(List<String> clientWalk, List<String> serverWalk) {
        List<String> seen = TRANSIENT.stream().filter(s -> clientWalk.contains(s) || serverWalk.contains(s)).toList();
        return seen.isEmpty() ? "none (all faster than the polling)" : String.join(", ", seen);
    }
}
