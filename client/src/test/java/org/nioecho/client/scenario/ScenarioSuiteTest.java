package org.nioecho.client.scenario;

import org.junit.jupiter.api.AfterAll;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.nioecho.harness.ServerProcess;
import org.nioecho.kernel.TcpTracer;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every scenario run live, in process, asserting its verdict is MATCH, with the kernel's
 * tracepoints as evidence when they are available here (root and tracefs, as in CI), and a
 * few with {@code --evidence polling}. The namespace scenarios are skipped (never passed)
 * without root or {@code ip}. No tracing instance may be left behind.
 */
class ScenarioSuiteTest {
    /** Runs one scenario with the default evidence (tracepoints when available) and checks which was used. */
    private static void assertMatches(String name) {
        String text = assertMatches(name, Evidence.Mode.AUTO);
        if (TcpTracer.unavailableReason().isEmpty()) {
            assertTrue(text.contains("  evidence: kernel tracepoints\n"), text);
        } else {
            assertTrue(text.contains("  evidence: /proc polling ("), text);
        }
    }

    /**
     * Runs one scenario with its timeline kept in memory: quiet when it matches, and the
     * whole timeline in the failure message when it does not. Returns the timeline.
     */
    private static String assertMatches(String name, Evidence.Mode mode) {
        ByteArrayOutputStream timeline = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(timeline, true, StandardCharsets.UTF_8);
        ScenarioContext context = new ScenarioContext(ServerProcess.defaultJar(), ScenarioCommand.probeClassPath(),
                new Timeline(out), mode);
        Verdict verdict = new ScenarioRunner(context, out).run(ScenarioRunner.find(name).orElseThrow());
        String text = timeline.toString(StandardCharsets.UTF_8);
        assertEquals(Outcome.MATCH, verdict.outcome(), () -> verdict.observed() + "\n" + text);
        System.out.println(name + ": " + verdict.outcome() + ": " + verdict.observed());
        return text;
    }

    @AfterAll
    static void noTracingInstanceIsLeftBehind() throws IOException {
        Path instances = TcpTracer.TRACEFS.resolve("instances");
        if (!Files.isDirectory(instances)) {
            return;
        }
        try (Stream<Path> dirs = Files.list(instances)) {
            List<String> ours = dirs.map(dir -> dir.getFileName().toString())
                    .filter(n -> n.startsWith("nioecho-" + ProcessHandle.current().pid() + "-")).toList();
            assertEquals(List.of(), ours, "tracing instances left behind");
        }
    }

    @Test
    @Timeout(60)
    void normalCloseStillMatchesByPollingAlone() {
        String text = assertMatches("normal-close", Evidence.Mode.POLLING);
        assertTrue(text.contains("  evidence: /proc polling (--evidence polling)\n"), text);
        assertFalse(text.contains("traced:"), text);
    }

    @Test
    @Timeout(60)
    void serverKilledStillMatchesByPollingAlone() {
        String text = assertMatches("server-killed", Evidence.Mode.POLLING);
        assertTrue(text.contains("the client's socket left the table: the server's kernel answered with RST"), text);
    }

    @Test
    @Timeout(60)
    void jsonOfATracedRunHoldsItsTransitions(@TempDir Path dir) throws Exception {
        assumeTrue(TcpTracer.unavailableReason().isEmpty(), () -> "no tracing: " + TcpTracer.unavailableReason().orElse(""));
        Path json = dir.resolve("runs.json");
        PrintStream stdout = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int exit;
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            exit = new CommandLine(new ScenarioCommand()).execute("normal-close", "--json", json.toString(),
                    "--html", dir.resolve("html").toString());
        } finally {
            System.setOut(stdout);
        }
        String timeline = captured.toString(StandardCharsets.UTF_8);
        assertEquals(0, exit, timeline);
        Map<?, ?> run = (Map<?, ?>) ((List<?>) ((Map<?, ?>) new ObjectMapper().readValue(Files.readString(json), Map.class)).get("scenarios")).get(0);
        assertEquals(List.of("normal-close", "MATCH", "tracepoints", 0),
                List.of(run.get("name"), run.get("verdict"), run.get("evidence"), run.get("overruns")));
        List<String> steps = ((List<?>) run.get("transitions")).stream().map(t -> (Map<?, ?>) t)
                .map(t -> t.get("end") + " " + t.get("from") + "->" + t.get("to")).toList();
        for (String step : List.of("client ESTABLISHED->FIN_WAIT1", "client FIN_WAIT1->FIN_WAIT2", "client FIN_WAIT2->CLOSE",
                "server ESTABLISHED->CLOSE_WAIT", "server CLOSE_WAIT->LAST_ACK", "server LAST_ACK->CLOSE")) {
            assertEquals(2, steps.stream().filter(step::equals).count(), step + " (once per part) in " + steps);
        }
        assertTrue(timeline.contains("  evidence: kernel tracepoints\n"), timeline);
        assertTrue(Files.readString(dir.resolve("html").resolve("index.html")).contains("normal-close"));
    }

    private static void assumeNamespaces() throws IOException, InterruptedException {
        Optional<String> reason = NetnsLab.unavailableReason();
        assumeTrue(reason.isEmpty(), () -> "network namespace scenario skipped: " + reason.orElse(""));
    }

    @Test
    @Timeout(60)
    void startupShowsListenThenOneEstablishedPairPerClient() {
        assertMatches("startup");
    }

    @Test
    @Timeout(60)
    void closerEndsInTimeWaitAndServerLeavesNoCloseWait() {
        assertMatches("normal-close");
    }

    @Test
    @Timeout(60)
    void crossingFinsGoThroughClosingToTimeWait() {
        assertMatches("simultaneous-close");
    }

    @Test
    @Timeout(90)
    void thousandPeersClosingAtOnceAreAllReaped() {
        assertMatches("many-close");
    }

    @Test
    @Timeout(90)
    void signalBurstIsOneGracefulShutdownAndInterruptsKeepTheListener() {
        assertMatches("signals");
    }

    @Test
    @Timeout(60)
    void resetBeforeAcceptIsCountedAndServerCarriesOn() {
        assertMatches("rst-before-accept");
    }

    @Test
    @Timeout(60)
    void killedServerGivesEofThenRstThenBrokenPipe() {
        assertMatches("server-killed");
    }

    @Test
    @Timeout(60)
    void sigtermDeliversEveryOwedByteThenEof() {
        assertMatches("server-shutdown");
    }

    @Test
    @Timeout(120)
    void crashedHostTimesOutTheClientsRead() throws Exception {
        assumeNamespaces();
        assertMatches("host-crash");
        assertNoNamespaceLeft();
    }

    @Test
    @Timeout(120)
    void crashedClientHostIsClosedAndCountedAsTimedOutByTheServer() throws Exception {
        assumeNamespaces();
        assertMatches("client-host-crash");
        assertNoNamespaceLeft();
    }

    @Test
    @Timeout(120)
    void rebootedHostResetsTheClient() throws Exception {
        assumeNamespaces();
        assertMatches("host-reboot");
        assertNoNamespaceLeft();
    }

    @Test
    @Timeout(60)
    void namespacesLeftByADeadRunAreSweptAway() throws Exception {
        assumeNamespaces();
        Process gone = new ProcessBuilder("true").start();
        assertTrue(gone.waitFor(10, TimeUnit.SECONDS));
        assumeTrue(ProcessHandle.of(gone.pid()).isEmpty(), "the finished process's pid is in use again");
        String leftover = "nioecho-srv-" + gone.pid() + "-1";
        Shell.check("ip", "netns", "add", leftover);
        try {
            NetnsLab.sweepLeftovers(new Timeline(new PrintStream(OutputStream.nullOutputStream())));
            assertFalse(namespaces().contains(leftover), "still there: " + leftover);
        } finally {
            Shell.run("ip", "netns", "del", leftover);
        }
    }

    private static List<String> namespaces() throws IOException, InterruptedException {
        return Arrays.stream(Shell.check("ip", "netns", "list").split("\n"))
                .map(line -> line.trim().split("\\s+")[0]).toList();
    }

    private static void assertNoNamespaceLeft() throws IOException, InterruptedException {
        String ours = "-" + ProcessHandle.current().pid() + "-";
        List<String> left = namespaces().stream().filter(n -> n.startsWith("nioecho-") && n.contains(ours)).toList();
        assertEquals(List.of(), left, "namespaces left behind");
    }
}
