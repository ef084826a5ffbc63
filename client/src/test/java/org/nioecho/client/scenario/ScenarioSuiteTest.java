package org.nioecho.client.scenario;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nioecho.harness.ServerProcess;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every scenario run live, in process, asserting its verdict is MATCH. The namespace
 * scenarios are skipped (never passed) without root or {@code ip}.
 */
class ScenarioSuiteTest {
    /**
     * Runs one scenario with its timeline kept in memory: quiet when it matches, and the
     * whole timeline in the failure message when it does not.
     */
    private static void assertMatches(String name) {
        ByteArrayOutputStream timeline = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(timeline, true, StandardCharsets.UTF_8);
        ScenarioContext context = new ScenarioContext(ServerProcess.defaultJar(), ScenarioCommand.probeClassPath(),
                new Timeline(out));
        Verdict verdict = new ScenarioRunner(context, out).run(ScenarioRunner.find(name).orElseThrow());
        String text = timeline.toString(StandardCharsets.UTF_8);
        assertEquals(Outcome.MATCH, verdict.outcome(), () -> verdict.observed() + "\n" + text);
        System.out.println(name + ": " + verdict.outcome() + ": " + verdict.observed());
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
