package org.nioecho.client.scenario;

/** How a scenario run compares with the notes. */
public enum Outcome {
    /** What was observed is what the notes say. */
    MATCH,
    /** What was observed contradicts the notes (or the run failed unexpectedly). */
    MISMATCH,
    /** Not run here, with a stated reason (e.g. no root for network namespaces). */
    SKIPPED
}
