package org.nioecho.client.scenario;

import org.nioecho.harness.ServerProcess;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Notes §6.2–6.3: kill -9 the server: its kernel closes the socket with FIN, so the client
 * reads EOF; the client's write draws an RST from the server's kernel; a second write is a
 * broken pipe (SIGPIPE in C; the JVM ignores the signal and reports EPIPE).
 */
final class ServerKilledScenario implements Scenario {
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
            timeline.log("kernel", rstArrived ? "the client's socket left the table: the server's kernel answered with RST"
                    : "the client's socket is still listed: no RST seen");
            Call secondWrite = client.write("and again\n".getBytes(StandardCharsets.US_ASCII));
            Call laterRead = client.read(64);
            boolean matched = finArrived && read.eof() && !firstWrite.failed() && rstArrived
                    && secondWrite.failedWith("EPIPE");
            return Verdict.of(this, matched, "read → " + read.brief() + ", write → " + firstWrite.brief()
                    + (rstArrived ? " (RST came back)" : " (no RST)") + ", second write → " + secondWrite.brief()
                    + ", a later read → " + laterRead.brief() + "; the client process lives on");
        }
    }
}
