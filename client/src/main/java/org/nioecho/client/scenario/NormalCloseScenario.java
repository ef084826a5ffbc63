package org.nioecho.client.scenario;

import org.nioecho.harness.ServerProcess;
import org.nioecho.kernel.TcpState;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Notes §2: the client closes first: client FIN_WAIT1 → FIN_WAIT2 → TIME_WAIT, server
 * CLOSE_WAIT → LAST_ACK → gone.
 *
 * <p>Part 1 is a plain close after an echo: on loopback the walk takes a millisecond, so
 * polling can require only the lasting states (client TIME_WAIT, server gone, never
 * TIME_WAIT on the server) and reports the transients it caught; with the kernel's
 * tracepoints every transient of both ends is required, in order, in both parts. Part 2 makes the middle of the
 * walk last: the client sends more than its small receive buffer takes back, then half-closes
 * without reading; the server must still send what it owes, so the client sits in FIN_WAIT2
 * while the server sits in CLOSE_WAIT or, once it has closed with its FIN queued behind the
 * unread echo, in LAST_ACK. Then the client reads everything and the walk ends.
 */
final class NormalCloseScenario implements Scenario {
    private static final List<String> TRANSIENT = List.of("FIN_WAIT1", "FIN_WAIT2", "CLOSE_WAIT", "LAST_ACK");
    private static final int IN_FLIGHT_BYTES = 128 * 1024;
    private static final int CLIENT_RECEIVE_BUFFER_BYTES = 8 * 1024;
    private static final Duration SETTLE = Duration.ofSeconds(5);

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
        try (ServerProcess server = Servers.start(context)) {
            timeline.plain("  part 1: echo, then close()");
            String plain;
            boolean plainMatched;
            StateWatch.Side plainSide;
            StateWatch.Side heldSide;
            try (TracedSocket client = TracedSocket.connect(timeline, "client", server.address())) {
                plainSide = client.side("client");
                byte[] hello = "hello\n".getBytes(StandardCharsets.US_ASCII);
                client.write(hello);
                client.readExactly(hello.length);
                StateWatch watch = StateWatch.start(timeline, client.side("client"), client.peerSide("server"));
                boolean settled;
                try {
                    client.closeLogged();
                    settled = Poll.until(SETTLE, () ->
                            watch.last("client").equals("TIME_WAIT") && watch.last("server").equals(StateWatch.GONE));
                } finally {
                    watch.close();
                }
                String transients = caught(watch.walk("client"), watch.walk("server"));
                timeline.log("kernel", watch.polls() + " polls of /proc/net/tcp; transient states caught: " + transients);
                plainMatched = settled && !watch.walk("server").contains("TIME_WAIT");
                plain = "client " + watch.walkText("client") + ", server " + watch.walkText("server")
                        + " (transients caught: " + transients + ")";
            }
            timeline.plain("  part 2: " + IN_FLIGHT_BYTES / 1024 + " KiB echo still unread when the client half-closes");
            String held;
            boolean heldMatched;
            ExecutorService writer = Executors.newSingleThreadExecutor();
            try (TracedSocket client = TracedSocket.connect(timeline, "client", server.address(), CLIENT_RECEIVE_BUFFER_BYTES)) {
                heldSide = client.side("client");
                byte[] data = new byte[IN_FLIGHT_BYTES];
                Arrays.fill(data, (byte) 'e');
                Future<Call> write = writer.submit(() -> client.write(data));
                if (write.get(10, TimeUnit.SECONDS).failed()) {
                    return Verdict.of(this, false, "part 1: " + plain + "; part 2: the client's write failed");
                }
                StateWatch watch = StateWatch.start(timeline, client.side("client"), client.peerSide("server"));
                boolean halfClosed;
                boolean finished;
                TracedSocket.Received echo;
                try {
                    client.shutdownOutput();
                    halfClosed = Poll.until(SETTLE, () -> watch.last("client").equals("FIN_WAIT2")
                            && List.of("CLOSE_WAIT", "LAST_ACK").contains(watch.last("server")));
                    timeline.log("kernel", "while the client does not read: client " + watch.last("client")
                            + ", server " + watch.last("server"));
                    echo = client.readToEnd();
                    finished = Poll.until(SETTLE, () ->
                            watch.last("client").equals("TIME_WAIT") && watch.last("server").equals(StateWatch.GONE));
                } finally {
                    watch.close();
                }
                client.closeLogged();
                heldMatched = halfClosed && finished && echo.end().eof() && echo.bytes().length == IN_FLIGHT_BYTES
                        && !watch.walk("server").contains("TIME_WAIT");
                held = "client " + watch.walkText("client") + ", server " + watch.walkText("server") + ", "
                        + echo.bytes().length + " bytes echoed then " + echo.end().brief();
            } finally {
                writer.shutdownNow();
            }
            ServerStats stats = Servers.statsLogged(timeline, server);
            boolean matched = plainMatched && heldMatched && stats.closed("eof") == 2 && stats.open() == 0;
            String observed = "plain close: " + plain + "; with the echo unread: " + held
                    + "; the server closed both as eof (eof=" + stats.closed("eof") + ")";
            if (context.evidence().traced()) {
                KernelFacts facts = context.evidence().facts();
                String plainTrace = traced(facts, plainSide);
                String heldTrace = traced(facts, heldSide);
                matched &= plainTrace.isEmpty() && heldTrace.isEmpty() && facts.complete();
                observed += "; traced: plain close " + walks(facts, plainSide) + plainTrace + ", with the echo unread "
                        + walks(facts, heldSide) + heldTrace + facts.lostText();
            }
            return Verdict.of(this, matched, observed);
        }
    }

    /** Both walks as the trace shows them. */
    private static String walks(KernelFacts facts, StateWatch.Side client) {
        return "client " + KernelFacts.text(facts.walk(client.localPort(), client.remotePort())) + ", server "
                + KernelFacts.text(facts.walk(client.remotePort(), client.localPort()));
    }

    /**
     * Empty when the trace shows the whole walk of the notes: the client FIN_WAIT1 → FIN_WAIT2
     * → CLOSE (its full socket closes when the TIME_WAIT entry, which has no tracepoint and is
     * checked in /proc, takes over) and the server CLOSE_WAIT → LAST_ACK → CLOSE; else what is missing.
     */
    static String traced(KernelFacts facts, StateWatch.Side client) {
        List<TcpState> clientWalk = facts.walk(client.localPort(), client.remotePort());
        List<TcpState> serverWalk = facts.walk(client.remotePort(), client.localPort());
        String missing = "";
        if (!KernelFacts.walks(clientWalk, TcpState.ESTABLISHED, TcpState.FIN_WAIT1, TcpState.FIN_WAIT2, TcpState.CLOSE)) {
            missing += " (client walk NOT ESTABLISHED → FIN_WAIT1 → FIN_WAIT2 → CLOSE)";
        }
        if (!KernelFacts.walks(serverWalk, TcpState.ESTABLISHED, TcpState.CLOSE_WAIT, TcpState.LAST_ACK, TcpState.CLOSE)) {
            missing += " (server walk NOT ESTABLISHED → CLOSE_WAIT → LAST_ACK → CLOSE)";
        }
        return missing;
    }

    private static String caught(List<String> clientWalk, List<String> serverWalk) {
        List<String> seen = TRANSIENT.stream().filter(s -> clientWalk.contains(s) || serverWalk.contains(s)).toList();
        return seen.isEmpty() ? "none (all faster than the polling)" : String.join(", ", seen);
    }
}
