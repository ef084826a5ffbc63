package org.nioecho.client.scenario;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nioecho.server.ServerProcess;

import java.io.IOException;
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
    private static ScenarioRunner runner;

    @BeforeAll
    static void runner() {
        ScenarioContext context = new ScenarioContext(ServerProcess.defaultJar(), ScenarioCommand.probeClassPath(),
                new Timeline(System.out));
        runner = new ScenarioRunner(context, System.err);
    }

    private static void assertMatches(String name) {
        Verdict verdict = runner.run(ScenarioRunner.find(name).orElseThrow());
        assertEquals(Outcome.MATCH, verdict.outcome(), verdict.observed());
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
            NetnsLab.sweepLeftovers(new Timeline(System.out));
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
