package org.nioecho.client.scenario;

import java.nio.file.Path;
import java.util.Objects;

/** What a scenario run gets: the server jar to start, the class path for probes, and its timeline. */
record ScenarioContext(Path serverJar, String probeClassPath, Timeline timeline) {
    ScenarioContext {
        Objects.requireNonNull(serverJar, "serverJar");
        Objects.requireNonNull(probeClassPath, "probeClassPath");
        Objects.requireNonNull(timeline, "timeline");
    }
}
