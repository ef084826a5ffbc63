package org.nioecho.client.scenario;

/**
 * One point of the notes, reproduced live: it starts what it needs (server processes,
 * sockets, namespaces), writes its timeline, removes everything it made, and judges.
 */
interface Scenario {
    /** The command-line name, e.g. {@code normal-close}. */
    String name();

    /** What the notes say should happen, in one or two sentences. */
    String notesSay();

    /**
     * Runs the scenario. Expected network failures belong in the timeline and the verdict;
     * an exception thrown from here means the run itself broke (it becomes a MISMATCH).
     */
    Verdict run(ScenarioContext context) throws Exception;
}
