package org.nioecho.client.scenario;

import org.nioecho.client.ClientTls;
import org.nioecho.harness.ServerProcess;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Issue 14: a TLS peer that drops TCP without {@code close_notify}, next to the plain-TCP
 * normal close. TCP cannot tell them apart (the kernel walks the same states: the closer
 * FIN_WAIT1 → FIN_WAIT2 → TIME_WAIT, the other side CLOSE_WAIT → LAST_ACK → gone); only TLS
 * can. Part 1, plain TCP: echo, close; the server counts {@code eof}. Part 2, TLS: echo, the
 * client closes its TCP socket without close_notify; the server counts {@code tls.truncated}.
 * Part 3, TLS: echo, close_notify then FIN; the server answers with its own close_notify and
 * FIN, the client reads EOF, the server counts {@code eof}. The server answers the
 * close_notify at once, so its FIN may leave before the client's (two system calls apart):
 * TIME_WAIT then lands on the server; either end in TIME_WAIT, the other gone, is accepted. Part 4, TLS, the other way round:
 * the server is SIGKILLed, its kernel sends FIN without close_notify, and the client's read
 * fails as a truncation (the JDK's SSLSocket with {@code com.sun.net.ssl.requireCloseNotify};
 * without it the JDK would report a plain EOF).
 */
final class TlsTruncationScenario implements Scenario {
    private static final Duration SETTLE = Duration.ofSeconds(5);
    private static final byte[] HELLO = "hello over tls\n".getBytes(StandardCharsets.US_ASCII);

    @Override
    public String name() {
        return "tls-truncation";
    }

    @Override
    public String notesSay() {
        return "a FIN without TLS close_notify walks the same TCP states as a normal close, but TLS calls it a "
                + "truncation: the server counts tls.truncated (plain TCP and a clean close_notify + FIN: eof), "
                + "and a client whose server dies sees a truncated stream, not EOF";
    }

    @Override
    public Verdict run(ScenarioContext context) throws Exception {
        Timeline timeline = context.timeline();
        ClientTls tls = ClientTls.of(null, true); // the server's certificate is ephemeral: its fingerprint is logged
        String plain;
        boolean plainMatched;
        StateWatch.Side plainSide;
        try (ServerProcess server = Servers.start(context)) {
            timeline.plain("  part 1: plain TCP: echo, then close()");
            try (TracedSocket client = TracedSocket.connect(timeline, "client", server.address())) {
                plainSide = client.side("client");
                client.write(HELLO);
                client.readExactly(HELLO.length);
                Walk walk = closeAndWatch(timeline, client, false, client::closeLogged);
                ServerStats stats = awaitClosed(server, 1);
                Servers.statsLogged(timeline, server);
                plainMatched = walk.matched() && stats.closed("eof") == 1;
                plain = walk.text() + ", server closed it as " + stats.closed();
            }
        }
        String truncated;
        String clean;
        boolean truncatedMatched;
        boolean cleanMatched;
        StateWatch.Side truncatedSide;
        StateWatch.Side cleanSide;
        try (ServerProcess server = Servers.start(context, "--tls")) {
            timeline.log("server", "start line: " + server.stdout().get(0));
            timeline.plain("  part 2: TLS: echo, then the client closes TCP without close_notify");
            try (TracedSocket tcp = TracedSocket.connect(timeline, "client", server.address());
                 TracedSocket client = tcp.tls(tls, "127.0.0.1")) {
                truncatedSide = tcp.side("client");
                client.write(HELLO);
                client.readExactly(HELLO.length);
                Walk walk = closeAndWatch(timeline, tcp, false, client::dropTcp);
                ServerStats stats = awaitClosed(server, 1);
                Servers.statsLogged(timeline, server);
                truncatedMatched = walk.matched() && stats.closed("tls.truncated") == 1 && stats.closed("eof") == 0;
                truncated = walk.text() + ", server closed it as " + stats.closed();
            }
            timeline.plain("  part 3: TLS: echo, then close_notify and FIN");
            try (TracedSocket tcp = TracedSocket.connect(timeline, "client", server.address());
                 TracedSocket client = tcp.tls(tls, "127.0.0.1")) {
                cleanSide = tcp.side("client");
                client.write(HELLO);
                client.readExactly(HELLO.length);
                TracedSocket.Received[] end = new TracedSocket.Received[1];
                Walk walk = closeAndWatch(timeline, tcp, true, () -> {
                    Call closed = client.closeNotifyAndFin();
                    end[0] = client.readToEnd();
                    client.closeLogged();
                    tcp.closeLogged();
                    return closed;
                });
                ServerStats stats = awaitClosed(server, 2);
                Servers.statsLogged(timeline, server);
                cleanMatched = walk.matched() && end[0].end().eof() && stats.closed("eof") == 1
                        && stats.closed("tls.truncated") == 1;
                clean = walk.text() + ", the client read " + end[0].end().brief() + ", server closed it as eof (eof="
                        + stats.closed("eof") + ")";
            }
        }
        String killed;
        boolean killedMatched;
        try (ServerProcess server = Servers.start(context, "--tls")) {
            timeline.plain("  part 4: TLS: echo, then the server is SIGKILLed (its kernel sends FIN, no close_notify)");
            try (TracedSocket tcp = TracedSocket.connect(timeline, "client", server.address());
                 TracedSocket client = tcp.tls(tls, "127.0.0.1")) {
                client.write(HELLO);
                client.readExactly(HELLO.length);
                Servers.stop(timeline, server, "KILL");
                TracedSocket.Received end = client.readToEnd();
                killedMatched = end.end().failed() && end.end().message().contains("terminated the connection");
                killed = "the client's read " + (end.end().failed() ? "threw " + end.end().exception() + ": "
                        + end.end().message() : "returned " + end.end().brief());
            }
        }
        boolean matched = plainMatched && truncatedMatched && cleanMatched && killedMatched;
        String observed = "plain close: " + plain + "; TLS without close_notify: " + truncated
                + "; TLS close_notify + FIN: " + clean + "; TLS server killed: " + killed;
        if (context.evidence().traced()) {
            KernelFacts facts = context.evidence().facts();
            String plainTrace = NormalCloseScenario.traced(facts, plainSide);
            String truncatedTrace = NormalCloseScenario.traced(facts, truncatedSide);
            matched &= plainTrace.isEmpty() && truncatedTrace.isEmpty() && facts.complete();
            observed += "; traced: parts 1 and 2 the same walk: plain " + walks(facts, plainSide) + plainTrace
                    + ", truncated " + walks(facts, truncatedSide) + truncatedTrace + "; part 3 " + walks(facts, cleanSide)
                    + facts.lostText();
        }
        return Verdict.of(this, matched, observed);
    }

    private static String walks(KernelFacts facts, StateWatch.Side client) {
        return "client " + KernelFacts.text(facts.walk(client.localPort(), client.remotePort())) + ", server "
                + KernelFacts.text(facts.walk(client.remotePort(), client.localPort()));
    }

    /** The kernel's view of one close: the closer ends in TIME_WAIT, the server's socket is gone (never TIME_WAIT). */
    private record Walk(boolean matched, String text) {
    }

    private interface Close {
        Call run() throws Exception;
    }

    /**
     * Closes and watches both ends until the closer is in TIME_WAIT and the other end gone;
     * {@code eitherCloser}: whichever end sent the first FIN may hold the TIME_WAIT.
     */
    private static Walk closeAndWatch(Timeline timeline, TracedSocket tcp, boolean eitherCloser, Close close)
            throws Exception {
        StateWatch watch = StateWatch.start(timeline, tcp.side("client"), tcp.peerSide("server"));
        boolean settled;
        try {
            close.run();
            settled = Poll.until(SETTLE, () -> closedBy(watch, "client", "server")
                    || eitherCloser && closedBy(watch, "server", "client"));
        } finally {
            watch.close();
        }
        boolean clientClosed = closedBy(watch, "client", "server");
        return new Walk(settled && (eitherCloser || !watch.walk("server").contains("TIME_WAIT")),
                "client " + watch.walkText("client") + ", server " + watch.walkText("server")
                        + (eitherCloser ? " (TIME_WAIT on the " + (clientClosed ? "client" : "server") + ")" : ""));
    }

    private static boolean closedBy(StateWatch watch, String closer, String other) {
        return watch.last(closer).equals("TIME_WAIT") && watch.last(other).equals(StateWatch.GONE);
    }

    /** The server's stats once it has closed {@code closed} connections in all (it closes after the kernel's FIN). */
    private static ServerStats awaitClosed(ServerProcess server, long closed) throws Exception {
        ServerStats[] last = new ServerStats[1];
        Poll.until(SETTLE, Duration.ofMillis(20), () -> {
            last[0] = Servers.stats(server);
            return last[0].closedTotal() >= closed;
        });
        return last[0];
    }
}
