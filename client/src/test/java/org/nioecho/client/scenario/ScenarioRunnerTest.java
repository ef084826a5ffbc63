package org.nioecho.client.scenario;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The runner's order, stop-at-first-mismatch rule and summary, with scenarios that touch no network. */
class ScenarioRunnerTest {
    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);
    private final ScenarioRunner runner = new ScenarioRunner(
            new ScenarioContext(Path.of("unused.jar"), "unused", new Timeline(out)), out);

    private static Scenario fixed(String name, Outcome outcome) {
        return new Scenario() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public String notesSay() {
                return "what the notes say about " + name;
            }

            @Override
            public Verdict run(ScenarioContext context) {
                context.timeline().log("client", "did " + name);
                return outcome == Outcome.SKIPPED ? Verdict.skipped(this, "no reason")
                        : Verdict.of(this, outcome == Outcome.MATCH, "saw " + name);
            }
        };
    }

    private static Scenario broken(String name) {
        return new Scenario() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public String notesSay() {
                return "anything";
            }

            @Override
            public Verdict run(ScenarioContext context) {
                throw new IllegalStateException("the run itself broke");
            }
        };
    }

    @Test
    void stopsAtTheFirstMismatchAndListsWhatDidNotRun() {
        List<Verdict> verdicts = runner.runAll(List.of(fixed("a", Outcome.MATCH), fixed("b", Outcome.SKIPPED),
                fixed("c", Outcome.MISMATCH), fixed("d", Outcome.MATCH)), false);
        assertEquals(List.of(Outcome.MATCH, Outcome.SKIPPED, Outcome.MISMATCH), verdicts.stream().map(Verdict::outcome).toList());
        assertEquals(1, ScenarioRunner.exitCode(verdicts));
        String text = printed.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("d                    NOT RUN"), text);
        assertTrue(text.contains("observed:  saw c"), text);
    }

    @Test
    void keepGoingRunsEveryScenario() {
        List<Verdict> verdicts = runner.runAll(List.of(fixed("a", Outcome.MISMATCH), fixed("b", Outcome.MATCH)), true);
        assertEquals(2, verdicts.size());
        assertEquals(1, ScenarioRunner.exitCode(verdicts));
    }

    @Test
    void aBrokenRunIsAMismatchWithItsStackTrace() {
        Verdict verdict = runner.run(broken("x"));
        assertEquals(Outcome.MISMATCH, verdict.outcome());
        assertTrue(verdict.observed().contains("the run itself broke"), verdict.observed());
        assertTrue(printed.toString(StandardCharsets.UTF_8).contains("at org.nioecho.client.scenario"), "stack trace printed");
    }
}
