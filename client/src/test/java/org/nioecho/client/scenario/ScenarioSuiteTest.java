package org.nioecho.client.scenario;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nioecho.server.ServerProcess;

import java.io.IOException;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
    }

    @Test
    @Timeout(120)
    void rebootedHostResetsTheClient() throws Exception {
        assumeNamespaces();
        assertMatches("host-reboot");
    }
}
