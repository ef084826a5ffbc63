package org.nioecho.client.scenario;

import org.nioecho.harness.ServerProcess;
import org.nioecho.kernel.KernelEvent;
import org.nioecho.kernel.TcpState;
import org.nioecho.kernel.TcpTable;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * Notes §3–4: SIGTERM/SIGINT mean a graceful shutdown; signals generated while one is being
 * handled coalesce into one delivery (a burst is one shutdown); a slow call interrupted by a
 * signal (EINTR) must be handled: an interrupted reactor thread keeps its listening socket.
 */
final class SignalsScenario implements Scenario {
    private static final String[] BURST = {"TERM", "INT", "TERM", "TERM", "INT"};
    private static final int INTERRUPTS = 3;
    /** What the server's reactor logs on stderr when it finds (and clears) an interrupt. */
    static final String INTERRUPT_CLEARED = "interrupt cleared, still serving";

    @Override
    public String name() {
        return "signals";
    }

    @Override
    public String notesSay() {
        return "SIGTERM/SIGINT: graceful shutdown; a burst of signals (and wake-ups) is handled as one; "
                + "a slow call interrupted (EINTR) is handled, the server keeps its listening socket";
    }

    @Override
    public Verdict run(ScenarioContext context) throws Exception {
        Timeline timeline = context.timeline();
        byte[] ping = "ping\n".getBytes(StandardCharsets.US_ASCII);
        boolean servesAfterInterrupts;
        boolean listening;
        long interruptWarnings;
        int burstExit;
        int stoppedLines;
        boolean drained;
        int firstPort;
        long burstNanos;
        try (ServerProcess server = Servers.start(context);
             TracedSocket first = TracedSocket.connect(timeline, "client1", server.address())) {
            for (int i = 0; i < INTERRUPTS; i++) {
                server.control("interrupt-reactor");
                timeline.log("control", "interrupt-reactor", "ok");
            }
            first.write(ping);
            boolean echoed = Arrays.equals(first.readExactly(ping.length).bytes(), ping);
            try (TracedSocket second = TracedSocket.connect(timeline, "client2", server.address())) {
                second.write(ping);
                echoed &= Arrays.equals(second.readExactly(ping.length).bytes(), ping);
            }
            int port = server.port();
            listening = TcpTable.onPort(port).stream().anyMatch(e -> e.local().getPort() == port && e.state() == TcpState.LISTEN);
            timeline.log("kernel", "listening socket on :" + port + (listening ? " still LISTEN" : " GONE"));
            // The warning may reach our copy of the server's stderr a little after the echoes.
            Poll.until(Duration.ofSeconds(5), () -> interruptsCleared(server) > 0);
            interruptWarnings = interruptsCleared(server);
            timeline.log("server", interruptWarnings + " '" + INTERRUPT_CLEARED + "' warning line(s) on stderr");
            servesAfterInterrupts = echoed;

            byte[] owed = "owed bytes\n".getBytes(StandardCharsets.US_ASCII);
            first.write(owed);
            firstPort = server.port();
            burstNanos = System.nanoTime();
            Shell.Result burst = Shell.run(burstCommand(server.pid()));
            timeline.log("signal", "burst SIG" + String.join(", SIG", BURST) + " to pid " + server.pid()
                    + " in one shell" + (burst.ok() ? "" : " (a later kill found the process gone: " + burst.output() + ")"));
            TracedSocket.Received rest = first.readToEnd();
            drained = Arrays.equals(rest.bytes(), owed) && rest.end().eof();
            first.closeLogged();
            burstExit = server.awaitExit(Servers.EXIT_TIMEOUT);
            stoppedLines = Servers.stoppedLines(server).size();
            timeline.log("server", "exited with code " + burstExit + ", printed " + stoppedLines + " 'stopped' line(s)");
            Servers.stoppedLines(server).forEach(line -> timeline.log("server", line));
        }
        int intExit;
        boolean intStopped;
        try (ServerProcess server = Servers.start(context)) {
            intExit = Servers.stop(timeline, server, "INT");
            intStopped = Servers.stoppedLines(server).size() == 1;
        }
        // Interrupts coalesce like signals: each one is cleared, but several may be cleared at once.
        boolean interruptsLogged = interruptWarnings >= 1 && interruptWarnings <= INTERRUPTS;
        boolean matched = servesAfterInterrupts && interruptsLogged && listening && burstExit == 0 && stoppedLines == 1 && drained
                && intExit == 0 && intStopped;
        String traced = "";
        if (context.evidence().traced()) {
            KernelFacts facts = context.evidence().facts();
            List<KernelEvent> listenerClosed = facts.of(KernelEvent.Kind.STATE).stream()
                    .filter(e -> e.local().getPort() == firstPort && e.from() == TcpState.LISTEN && e.to() == TcpState.CLOSE
                            && e.remote().getPort() == 0)
                    .toList();
            boolean keptUntilBurst = listenerClosed.size() == 1 && listenerClosed.get(0).monoNanos() >= burstNanos;
            long resets = facts.resetsSent(true).size();
            matched &= facts.complete() && keptUntilBurst && resets == 0;
            traced = "; traced: the first server's listener closed " + listenerClosed.size() + " time(s), "
                    + (keptUntilBurst ? "after the burst (kept through the interrupts)" : "NOT once after the burst")
                    + ", " + resets + " RST sent by the servers' kernels" + facts.lostText();
        }
        return Verdict.of(this, matched, INTERRUPTS + " reactor interrupts: " + (servesAfterInterrupts ? "still echoing" : "echo FAILED")
                + ", interrupt cleared and logged " + interruptWarnings + " time(s)"
                + (interruptsLogged ? "" : " (expected 1.." + INTERRUPTS + ")") + ", listening socket " + (listening ? "kept" : "LOST")
                + "; burst of " + BURST.length + " signals: "
                + stoppedLines + " shutdown, exit " + burstExit + ", owed bytes " + (drained ? "delivered then EOF" : "NOT delivered")
                + "; SIGINT alone: exit " + intExit + (intStopped ? ", graceful" : ", NOT graceful") + traced);
    }

    private static long interruptsCleared(ServerProcess server) {
        return server.stderr().stream().filter(line -> line.contains(INTERRUPT_CLEARED)).count();
    }

    private static String[] burstCommand(long pid) {
        StringBuilder script = new StringBuilder();
        for (String signal : BURST) {
            script.append("kill -s ").append(signal).append(' ').append(pid).append(" && ");
        }
        script.append("true");
        return new String[] {"sh", "-c", script.toString()};
    }
}
