package org.nioecho.client.scenario;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nioecho.harness.ServerProcess;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code tls-truncation} scenario run live against the server jar: its verdict and the evidence it names. */
class TlsTruncationScenarioTest {
    @Test
    @Timeout(120)
    void truncationIsTheServersTlsTruncatedWhileTcpWalksANormalClose() {
        ByteArrayOutputStream timeline = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(timeline, true, StandardCharsets.UTF_8);
        ScenarioContext context = new ScenarioContext(ServerProcess.defaultJar(), ScenarioCommand.probeClassPath(),
                new Timeline(out), Evidence.Mode.AUTO);
        Verdict verdict = new ScenarioRunner(context, out).run(ScenarioRunner.find("tls-truncation").orElseThrow());
        String text = timeline.toString(StandardCharsets.UTF_8);
        assertEquals(Outcome.MATCH, verdict.outcome(), () -> verdict.observed() + "\n" + text);
        assertTrue(verdict.observed().contains("TLS without close_notify: client ESTABLISHED"), verdict.observed());
        assertTrue(text.contains("close the TCP socket, no close_notify"), text);
        assertTrue(text.contains("tls.truncated=1"), text);
        assertTrue(text.contains("Remote host terminated the connection (TLS: tls.truncated)"), text);
        System.out.println("tls-truncation: " + verdict.outcome() + ": " + verdict.observed());
    }
}
