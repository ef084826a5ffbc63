package org.nioecho.client.scenario;

import org.nioecho.harness.ServerProcess;
import org.nioecho.kernel.Errnos;
import org.nioecho.kernel.KernelEvent;
import org.nioecho.kernel.TcpState;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * Notes §6.2–6.3: kill -9 the server: its kernel closes the socket with FIN, so the client
 * reads EOF; the client's write draws an RST from the server's kernel; a second write is a
 * broken pipe (SIGPIPE in C; the JVM ignores the signal and reports EPIPE).
 */
final class ServerKilledScenario implements Scenario {
    private static final int EPIPE = 32;

    @Override
    public String name() {
        return "server-killed";
    }

    @Override
    public String notesSay() {
        return "after kill -9 of the server: read → EOF; write → ok, answered by RST; second write → SIGPIPE/EPIPE";
    }

    @Override
    public Verdict run(ScenarioContext context) throws Exception {
        Timeline timeline = context.timeline();
        try (ServerProcess server = Servers.start(context);
             TracedSocket client = TracedSocket.connect(timeline, "client", server.address())) {
            byte[] hello = "hello\n".getBytes(StandardCharsets.US_ASCII);
            client.write(hello);
            client.readExactly(hello.length);
            StateWatch.Side clientSide = client.side("client");
            StateWatch.Side serverSide = client.peerSide("server");
            server.signal("KILL");
            timeline.log("signal", "SIGKILL to server pid " + server.pid());
            int exit = server.awaitExit(Servers.EXIT_TIMEOUT);
            timeline.log("server", "exited with code " + exit);
            boolean finArrived = Poll.until(Duration.ofSeconds(5), () -> StateWatch.stateOf(clientSide).equals("CLOSE_WAIT"));
            StateWatch.snapshot(timeline, clientSide, serverSide);
            Call read = client.read(64);
            Call firstWrite = client.write("again\n".getBytes(StandardCharsets.US_ASCII));
            boolean rstArrived = Poll.until(Duration.ofSeconds(5), () -> StateWatch.stateOf(clientSide).equals(StateWatch.GONE));
            StateWatch.snapshot(timeline, clientSide, serverSide);
            if (!context.evidence().traced()) {
                timeline.log("kernel", rstArrived ? "the client's socket left the table: the server's kernel answered with RST"
                        : "the client's socket is still listed: no RST seen");
            }
            Call secondWrite = client.write("and again\n".getBytes(StandardCharsets.US_ASCII));
            Call laterRead = client.read(64);
            boolean matched = finArrived && read.eof() && !firstWrite.failed() && rstArrived
                    && secondWrite.failedWith("EPIPE");
            String observed = "read → " + read.brief() + ", write → " + firstWrite.brief()
                    + (rstArrived ? " (RST came back)" : " (no RST)") + ", second write → " + secondWrite.brief()
                    + ", a later read → " + laterRead.brief() + "; the client process lives on";
            if (context.evidence().traced()) {
                Traced traced = traced(context.evidence().facts(), clientSide);
                matched &= traced.matched();
                observed += "; traced: " + traced.text();
            }
            return Verdict.of(this, matched, observed);
        }
    }

    /** What the trace says, and whether it is the notes' story exactly. */
    record Traced(boolean matched, String text) {
    }

    /**
     * The notes' story in the kernel's words: the killed server's socket walks FIN_WAIT1 →
     * FIN_WAIT2 (its FIN, acknowledged); the client's write draws an RST sent by the server
     * side's kernel (from the server's port); the client's socket receives it and stores
     * EPIPE (32, RST in CLOSE_WAIT), which the second write reports.
     */
    static Traced traced(KernelFacts facts, StateWatch.Side client) {
        List<TcpState> serverWalk = facts.walk(client.remotePort(), client.localPort());
        List<TcpState> clientWalk = facts.walk(client.localPort(), client.remotePort());
        boolean serverFin = KernelFacts.walks(serverWalk, TcpState.ESTABLISHED, TcpState.FIN_WAIT1, TcpState.FIN_WAIT2);
        boolean clientCloseWait = KernelFacts.walks(clientWalk, TcpState.ESTABLISHED, TcpState.CLOSE_WAIT);
        List<KernelEvent> sent = facts.resetsSent(true).stream()
                .filter(e -> e.remote().getPort() == client.localPort()).toList();
        long received = facts.resetsReceived(false).stream().filter(e -> e.local().getPort() == client.localPort()).count();
        List<Integer> errors = facts.of(KernelEvent.Kind.ERROR).stream()
                .filter(e -> e.local().getPort() == client.localPort()).map(KernelEvent::errno).toList();
        boolean matched = facts.complete() && serverFin && clientCloseWait && !sent.isEmpty() && received >= 1
                && errors.equals(List.of(EPIPE));
        String rst = sent.isEmpty() ? "NO RST sent by the server's kernel"
                : sent.size() + " RST sent by the server's kernel (state " + sent.get(0).from() + ", reason "
                + sent.get(0).reason() + ")";
        return new Traced(matched, "server " + KernelFacts.text(serverWalk) + ", client " + KernelFacts.text(clientWalk)
                + "; " + rst + ", " + received + " received by the client; error stored on the client's socket: "
                + (errors.isEmpty() ? "none" : errors.stream().map(e -> e + " (" + Errnos.name(e) + ")").toList())
                + facts.lostText());
    }
}
