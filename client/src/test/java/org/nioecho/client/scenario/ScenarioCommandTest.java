package org.nioecho.client.scenario;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line: names, exit codes and usage errors (no scenario is run here). */
class ScenarioCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int execute(String... args) {
        CommandLine command = new CommandLine(new ScenarioCommand());
        command.setOut(new PrintWriter(out, true));
        command.setErr(new PrintWriter(err, true));
        return command.execute(args);
    }

    @Test
    void unknownScenarioIsBadUsageWithOneLineAndUsage() {
        assertEquals(2, execute("no-such-case"));
        assertTrue(err.toString().startsWith("unknown scenario 'no-such-case' (one of: all, startup,"), err.toString());
        assertTrue(err.toString().contains("Usage:"), err.toString());
        assertEquals("", out.toString());
    }

    @Test
    void missingServerJarIsBadUsage() {
        assertEquals(2, execute("startup", "--server-jar", "/nonexistent/echo-server.jar"));
        assertTrue(err.toString().startsWith("--server-jar: no such file: /nonexistent/echo-server.jar"), err.toString());
    }

    @Test
    void unknownEvidenceIsBadUsage() {
        assertEquals(2, execute("startup", "--evidence", "guessing"));
        assertTrue(err.toString().startsWith("--evidence: 'guessing' is not one of tracepoints, polling, auto"),
                err.toString());
    }

    @Test
    void helpListsEveryScenarioAndTheExitCodes() {
        assertEquals(0, execute("--help"));
        String help = out.toString();
        for (String name : ScenarioRunner.names()) {
            assertTrue(help.contains(name), name + " missing from: " + help);
        }
        assertTrue(help.contains("Exit codes:"), help);
        assertTrue(help.contains("3   nothing was checked"), help);
    }

    @Test
    void exitCodeIsZeroWhenEverythingThatRanMatchedAndSkipsAreNotFailures() {
        Verdict match = new Verdict("a", "n", "o", Outcome.MATCH);
        Verdict skip = new Verdict("b", "n", "skipped: no root", Outcome.SKIPPED);
        Verdict mismatch = new Verdict("c", "n", "o", Outcome.MISMATCH);
        assertEquals(0, ScenarioRunner.exitCode(java.util.List.of(match, skip)));
        assertEquals(1, ScenarioRunner.exitCode(java.util.List.of(match, skip, mismatch)));
        assertEquals(3, ScenarioRunner.exitCode(java.util.List.of(skip)));
    }
}
