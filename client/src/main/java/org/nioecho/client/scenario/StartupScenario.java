package org.nioecho.client.scenario;

import org.nioecho.harness.ServerProcess;
import org.nioecho.kernel.TcpState;
import org.nioecho.kernel.TcpTable;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Notes §1: the server listens (LISTEN); each client makes one ESTABLISHED pair. */
final class StartupScenario implements Scenario {
    private static final int CLIENTS = 3;

    @Override
    public String name() {
        return "startup";
    }

    @Override
    public String notesSay() {
        return "the started server shows one LISTEN socket; each client adds one ESTABLISHED pair (client side and server side)";
    }

    /** A loopback port free now, so that the trace can start before the server listens on it. */
    private static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }

    @Override
    public Verdict run(ScenarioContext context) throws Exception {
        Timeline timeline = context.timeline();
        List<TracedSocket> clients = new ArrayList<>();
        int chosenPort = freePort();
        context.watchServerPort(chosenPort); // before the start: the listener's LISTEN is in the trace
        try (ServerProcess server = Servers.start(context, "--port", Integer.toString(chosenPort))) {
            int port = server.port();
            long listening = TcpTable.onPort(port).stream()
                    .filter(e -> e.local().getPort() == port && e.state() == TcpState.LISTEN).count();
            timeline.log("kernel", listening + " LISTEN socket(s) on :" + port);
            boolean allEstablished = true;
            boolean allEchoed = true;
            for (int i = 1; i <= CLIENTS; i++) {
                TracedSocket client = TracedSocket.connect(timeline, "client" + i, server.address());
                clients.add(client);
                byte[] hello = ("hello " + i + "\n").getBytes(StandardCharsets.US_ASCII);
                client.write(hello);
                allEchoed &= client.readExactly(hello.length).bytes().length == hello.length;
                StateWatch.Side clientSide = client.side("client" + i);
                StateWatch.Side serverSide = client.peerSide("server");
                allEstablished &= Poll.until(Duration.ofSeconds(5), () ->
                        StateWatch.stateOf(clientSide).equals("ESTABLISHED") && StateWatch.stateOf(serverSide).equals("ESTABLISHED"));
                StateWatch.snapshot(timeline, clientSide, serverSide);
            }
            long established = TcpTable.onPort(port).stream().filter(e -> e.state() == TcpState.ESTABLISHED).count();
            timeline.log("kernel", established + " ESTABLISHED sockets on :" + port + " (" + CLIENTS + " pairs expected), "
                    + listening + " LISTEN");
            ServerStats stats = Servers.statsLogged(timeline, server);
            boolean matched = listening == 1 && allEstablished && established == 2L * CLIENTS && allEchoed
                    && stats.accepted() == CLIENTS;
            String observed = listening + " LISTEN socket; " + established + " ESTABLISHED sockets for "
                    + CLIENTS + " clients (" + (allEstablished ? "one pair each" : "NOT one pair each") + "), "
                    + stats.accepted() + " accepted, echo " + (allEchoed ? "ok" : "FAILED");
            if (context.evidence().traced()) {
                KernelFacts facts = context.evidence().facts();
                List<TcpState> listener = facts.walk(port, 0);
                boolean listened = KernelFacts.walks(listener, TcpState.CLOSE, TcpState.LISTEN);
                int handshakes = 0;
                for (TracedSocket client : clients) {
                    List<TcpState> clientWalk = facts.walk(client.localPort(), port);
                    List<TcpState> serverWalk = facts.walk(port, client.localPort());
                    if (KernelFacts.walks(clientWalk, TcpState.SYN_SENT, TcpState.ESTABLISHED)
                            && KernelFacts.walks(serverWalk, TcpState.LISTEN, TcpState.SYN_RECV, TcpState.ESTABLISHED)) {
                        handshakes++;
                    }
                }
                matched &= facts.complete() && listened && handshakes == CLIENTS;
                observed += "; traced: listener " + KernelFacts.text(listener) + ", then " + handshakes + " of " + CLIENTS
                        + " clients SYN_SENT → ESTABLISHED against a server side LISTEN → SYN_RECV → ESTABLISHED"
                        + facts.lostText();
            }
            return Verdict.of(this, matched, observed);
        } finally {
            for (TracedSocket client : clients) {
                client.close();
            }
        }
    }
}
