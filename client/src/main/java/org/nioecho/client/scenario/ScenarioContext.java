package org.nioecho.client.scenario;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What a scenario run gets: the server jar to start, the class path for probes, its timeline,
 * the evidence mode asked for, and (during a run) the run's {@link Evidence}.
 */
record ScenarioContext(Path serverJar, String probeClassPath, Timeline timeline, Evidence.Mode mode, Evidence evidence) {
    ScenarioContext {
        Objects.requireNonNull(serverJar, "serverJar");
        Objects.requireNonNull(probeClassPath, "probeClassPath");
        Objects.requireNonNull(timeline, "timeline");
        Objects.requireNonNull(mode, "mode");
    }

    /** A context for runs with evidence chosen by {@code mode}. */
    ScenarioContext(Path serverJar, String probeClassPath, Timeline timeline, Evidence.Mode mode) {
        this(serverJar, probeClassPath, timeline, mode, null);
    }

    /** A context for runs with tracepoints when available. */
    ScenarioContext(Path serverJar, String probeClassPath, Timeline timeline) {
        this(serverJar, probeClassPath, timeline, Evidence.Mode.AUTO, null);
    }

    /** The same, for one run with {@code runEvidence}. */
    ScenarioContext forRun(Evidence runEvidence) {
        return new ScenarioContext(serverJar, probeClassPath, timeline, mode, Objects.requireNonNull(runEvidence));
    }

    /** Traces the server port {@code port} during a run (outside a run, e.g. in a unit test, nothing). */
    void watchServerPort(int port) throws IOException {
        if (evidence != null) {
            evidence.watch(port);
        }
    }

    /** The run's evidence (only during a run). */
    @Override
    public Evidence evidence() {
        if (evidence == null) {
            throw new IllegalStateException("no scenario is running in this context");
        }
        return evidence;
    }
}
