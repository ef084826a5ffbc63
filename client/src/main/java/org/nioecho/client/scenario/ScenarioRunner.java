package org.nioecho.client.scenario;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Runs scenarios one after another, each with its heading, timeline and verdict, then a
 * summary. Without keep-going it stops at the first MISMATCH.
 */
final class ScenarioRunner {
    static final int EXIT_ALL_MATCHED = 0;
    static final int EXIT_MISMATCH = 1;
    static final int EXIT_NOTHING_CHECKED = 3;

    /** Every scenario, in the order of the notes. */
    static final List<Scenario> SCENARIOS = List.of(new StartupScenario(), new NormalCloseScenario(),
            new SimultaneousCloseScenario(), new ManyCloseScenario(), new SignalsScenario(), new RstBeforeAcceptScenario(),
            new ServerKilledScenario(), new ServerShutdownScenario(), new HostCrashScenario(), new ClientHostCrashScenario(),
            new HostRebootScenario(), new TlsTruncationScenario());

    private final ScenarioContext context;
    private final PrintStream err;
    private final List<ScenarioRecord> records = new ArrayList<>();

    ScenarioRunner(ScenarioContext context, PrintStream err) {
        this.context = Objects.requireNonNull(context, "context");
        this.err = Objects.requireNonNull(err, "err");
    }

    static Optional<Scenario> find(String name) {
        return SCENARIOS.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    static List<String> names() {
        return SCENARIOS.stream().map(Scenario::name).toList();
    }

    /** Runs one scenario and prints its verdict; a run that breaks is a MISMATCH with its stack trace on stderr. */
    Verdict run(Scenario scenario) {
        Timeline timeline = context.timeline();
        timeline.restart();
        timeline.plain("");
        timeline.plain("=== scenario " + scenario.name() + " ===");
        Evidence evidence = Evidence.open(context.mode(), timeline);
        Verdict verdict;
        try (evidence) {
            verdict = scenario.run(context.forRun(evidence));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            verdict = Verdict.of(scenario, false, "interrupted");
        } catch (Exception e) {
            err.println("scenario " + scenario.name() + " broke:");
            e.printStackTrace(err);
            verdict = Verdict.of(scenario, false, "the run broke: " + e);
        }
        timeline.plain("  notes say: " + verdict.notesSay());
        timeline.plain("  observed:  " + verdict.observed());
        timeline.plain("  verdict:   " + verdict.outcome() + "  (" + scenario.name() + ", " + timeline.elapsedMs() + " ms)");
        KernelFacts facts = factsAfter(evidence);
        records.add(new ScenarioRecord(verdict, evidence.name(), timeline.startNanos(), timeline.entries(), facts.events(),
                facts.serverPorts(), facts.overruns()));
        return verdict;
    }

    /** The kernel's events of a closed run (closing already read them to the end). */
    private KernelFacts factsAfter(Evidence evidence) {
        try {
            return evidence.facts();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // not reached: a closed evidence only hands back what it kept
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** What every run so far left behind, for {@code --json} and {@code --html}. */
    List<ScenarioRecord> records() {
        return List.copyOf(records);
    }

    /** Runs {@code scenarios} in order; stops after the first MISMATCH unless {@code keepGoing}. */
    List<Verdict> runAll(List<Scenario> scenarios, boolean keepGoing) {
        List<Verdict> verdicts = new ArrayList<>();
        for (Scenario scenario : scenarios) {
            Verdict verdict = run(scenario);
            verdicts.add(verdict);
            if (verdict.outcome() == Outcome.MISMATCH && !keepGoing) {
                break;
            }
        }
        printSummary(scenarios, verdicts);
        return verdicts;
    }

    private void printSummary(List<Scenario> scenarios, List<Verdict> verdicts) {
        Timeline timeline = context.timeline();
        timeline.plain("");
        timeline.plain("=== summary ===");
        for (Verdict verdict : verdicts) {
            timeline.plain(String.format("  %-20s %-9s %s", verdict.scenario(), verdict.outcome(),
                    verdict.outcome() == Outcome.MATCH ? "" : verdict.observed()));
        }
        for (Scenario scenario : scenarios.subList(verdicts.size(), scenarios.size())) {
            timeline.plain(String.format("  %-20s %-9s %s", scenario.name(), "NOT RUN", "(stopped at the first mismatch; --keep-going runs all)"));
        }
    }

    /** 0 if every scenario that ran matched, 1 on any mismatch, 3 if every one was skipped. */
    static int exitCode(List<Verdict> verdicts) {
        if (verdicts.stream().anyMatch(v -> v.outcome() == Outcome.MISMATCH)) {
            return EXIT_MISMATCH;
        }
        if (verdicts.stream().allMatch(v -> v.outcome() == Outcome.SKIPPED)) {
            return EXIT_NOTHING_CHECKED;
        }
        return EXIT_ALL_MATCHED;
    }
}
