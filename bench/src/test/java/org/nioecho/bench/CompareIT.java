package org.nioecho.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code Compare --quick} for real, after {@code package}: the server, client and bench jars,
 * every built-in server in its own process, the client's load generator in another. Asserts
 * that the reports were written, every server ran, and no error or wrong byte was counted;
 * never a timing.
 */
class CompareIT {
    private static Path jar(String property) {
        String value = System.getProperty(property);
        assertTrue(value != null, "-D" + property + " is set by the failsafe configuration");
        Path jar = Path.of(value);
        assertTrue(Files.isRegularFile(jar), jar + " must exist (build it first: mvn -DskipTests package)");
        return jar;
    }

    /** Above the 240 s it gives Compare itself (and the module's 120 s default), so its own message comes first. */
    @Test
    @Timeout(300)
    void quickComparisonRunsEveryServerAndWritesEveryReport() throws IOException, InterruptedException {
        Path server = jar("nioecho.server.jar");
        Path client = jar("nioecho.client.jar");
        Path bench = jar("nioecho.bench.jar");
        Path out = Path.of("target", "compare-it");
        deleteRecursively(out);
        Path stdout = Files.createDirectories(Path.of("target")).resolve("compare-it.stdout");
        Path stderr = Path.of("target", "compare-it.stderr");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dnioecho.server.jar=" + server, "-Dnioecho.client.jar=" + client,
                "-cp", bench.toString(), Compare.class.getName(), "--quick", "--out", out.toString()));
        Process compare = new ProcessBuilder(command).redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        boolean ended = compare.waitFor(240, TimeUnit.SECONDS);
        if (!ended) { // its servers and load generator too, or they outlive the test
            compare.descendants().forEach(ProcessHandle::destroyForcibly);
            compare.destroyForcibly();
            compare.waitFor(10, TimeUnit.SECONDS);
        }
        String errText = Files.readString(stderr, StandardCharsets.UTF_8);
        assertTrue(ended, "Compare --quick did not end within 240 s:\n" + errText);
        assertEquals(0, compare.exitValue(), "exit code 0 means every run completed without errors:\n" + errText);

        String markdown = Files.readString(stdout, StandardCharsets.UTF_8);
        assertTrue(markdown.contains("## Ping-pong") && markdown.contains("| 100 | 64 B | reactor |"), markdown);

        List<Path> reports;
        try (Stream<Path> files = Files.list(out)) {
            reports = files.filter(Files::isRegularFile).sorted().toList();
        }
        for (String suffix : new String[] {".md", ".csv", "-runs.csv", ".json", ".svg"}) {
            assertTrue(reports.stream().anyMatch(p -> p.getFileName().toString().endsWith(suffix)
                            && (suffix.equals(".csv") ? !p.getFileName().toString().endsWith("-runs.csv") : true)),
                    "a " + suffix + " report in " + reports);
        }
        Path json = reports.stream().filter(p -> p.toString().endsWith(".json")).findFirst().orElseThrow();
        JsonNode report = new ObjectMapper().readTree(Files.readString(json, StandardCharsets.UTF_8));
        List<String> expected = new ArrayList<>(List.of("reactor", "blocking", "netty-epoll"));
        if (VirtualThreads.available()) {
            expected.add("virtual");
        }
        if (Contenders.ioUringSkipReason() == null) {
            expected.add("netty-io_uring");
        }
        JsonNode summaries = report.path("summaries");
        for (String name : expected) {
            JsonNode summary = summaries.valueStream().filter(s -> name.equals(s.path("server").asText()))
                    .findFirst().orElseThrow(() -> new AssertionError(name + " did not run: " + summaries));
            assertEquals(0, summary.path("failures").asInt(-1), name + ": " + summary);
            assertEquals(0, summary.path("errors").asLong(-1), name + " counted errors or wrong bytes: " + summary);
            assertTrue(summary.path("ratePerSecond").asDouble() > 0, name + " moved messages: " + summary);
            assertTrue(summary.path("peakRssBytes").asDouble() > 0 && summary.path("peakThreads").asInt() > 0, name + ": " + summary);
        }
        String svg = Files.readString(reports.stream().filter(p -> p.toString().endsWith(".svg")).findFirst().orElseThrow());
        assertTrue(svg.startsWith("<svg") && svg.contains("reactor"), svg);
    }

    /** The curve end to end: the client's rate mode, its JSON read back, the curve's reports; never a timing. */
    @Test
    @Timeout(240)
    void curveRunsEveryStepAndWritesItsReportsAndChart() throws Exception {
        Path out = Path.of("target", "compare-it-curve");
        deleteRecursively(out);
        List<String> servers = new ArrayList<>(List.of("reactor"));
        if (Contenders.ioUringSkipReason() == null) {
            servers.add("netty-io_uring");
        }
        Path stdout = Files.createDirectories(Path.of("target")).resolve("compare-it-curve.stdout");
        Path stderr = Path.of("target", "compare-it-curve.stderr");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dnioecho.server.jar=" + jar("nioecho.server.jar"), "-Dnioecho.client.jar=" + jar("nioecho.client.jar"),
                "-cp", jar("nioecho.bench.jar").toString(), Compare.class.getName(), "--quick", "--curve", "--connections", "10",
                "--curve-connections", "10", "--curve-duration", "500ms", "--warmup", "0s", "--servers", String.join(",", servers),
                "--out", out.toString()));
        Process compare = new ProcessBuilder(command).redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        boolean ended = compare.waitFor(200, TimeUnit.SECONDS);
        if (!ended) {
            compare.descendants().forEach(ProcessHandle::destroyForcibly);
            compare.destroyForcibly();
            compare.waitFor(10, TimeUnit.SECONDS);
        }
        String errText = Files.readString(stderr, StandardCharsets.UTF_8);
        assertTrue(ended, "Compare --curve did not end within 200 s:\n" + errText);
        assertEquals(0, compare.exitValue(), "every step ran without errors:\n" + errText);
        assertTrue(Files.readString(stdout, StandardCharsets.UTF_8).contains("## Latency under load (open loop, 10 connections × 64 B)"));
        List<Path> reports;
        try (Stream<Path> files = Files.list(out)) {
            reports = files.filter(Files::isRegularFile).sorted().toList();
        }
        Path json = reports.stream().filter(p -> p.toString().endsWith("-curve.json")).findFirst().orElseThrow(() -> new AssertionError(reports.toString()));
        JsonNode steps = new ObjectMapper().readTree(Files.readString(json, StandardCharsets.UTF_8)).path("steps");
        assertEquals(servers.size() * CurvePlan.PERCENTS.size(), steps.size(), steps.toString());
        for (JsonNode step : steps) {
            assertTrue(step.path("failure").isNull() && step.path("latencyP99Micros").asDouble() > 0
                    && step.path("scheduledMessages").asLong() > 0 && step.path("sentMessages").asLong() > 0, step.toString());
        }
        Path svg = reports.stream().filter(p -> p.toString().endsWith("-curve.svg")).findFirst().orElseThrow();
        org.w3c.dom.Document doc = javax.xml.parsers.DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(svg.toFile());
        assertEquals(3 * servers.size(), doc.getElementsByTagName("path").getLength(), "three percentiles, a line per server");
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
