package org.nioecho.client.scenario;

import java.util.Objects;

/**
 * The end of one scenario run: what the notes say, what was observed, and whether they match.
 * A {@link Outcome#SKIPPED} verdict's {@code observed} holds the reason it was not run.
 */
public record Verdict(String scenario, String notesSay, String observed, Outcome outcome) {
    /** Checks that every part is present. */
    public Verdict {
        Objects.requireNonNull(scenario, "scenario");
        Objects.requireNonNull(notesSay, "notesSay");
        Objects.requireNonNull(observed, "observed");
        Objects.requireNonNull(outcome, "outcome");
    }

    /** MATCH if {@code matched}, else MISMATCH. */
    static Verdict of(Scenario scenario, boolean matched, String observed) {
        return new Verdict(scenario.name(), scenario.notesSay(), observed, matched ? Outcome.MATCH : Outcome.MISMATCH);
    }

    static Verdict skipped(Scenario scenario, String reason) {
        return new Verdict(scenario.name(), scenario.notesSay(), "skipped: " + reason, Outcome.SKIPPED);
    }
}
