package org.nioecho.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReportTest {
    private static final MachineInfo MACHINE = new MachineInfo(Instant.parse("2026-11-26T06:50:00Z"), "Test CPU", 2,
            24L << 30, "Linux 6.x", "OpenJDK 17", "0.5 0.4 0.3");

    private static Report report() {
        List<Measurement> runs = new ArrayList<>();
        for (int connections : new int[] {100, 1000}) {
            Cell cell = Cell.pingPong(connections, 64);
            runs.add(SummaryTest.run("reactor", cell, 1, 120_000, 5, 60_000_000L, 0));
            runs.add(SummaryTest.run("netty-epoll", cell, 1, 100_000, connections == 100 ? 6 : 5, 90_000_000L, 0));
            runs.add(SummaryTest.run("blocking", cell, 1, 80_000, 11, 70_000_000L, 0));
        }
        runs.add(SummaryTest.run("blocking", Cell.pingPong(10_000, 64), 1, 30_000, 40, 900_000_000L, 3));
        runs.add(new Measurement("reactor", Cell.idle(1000), 1, null, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                Double.NaN, "", 50 << 20, 19, 0, "", 1000, 40 << 20, (40 << 20) + 1000 * 2048));
        runs.add(Measurement.failed("netty-epoll", Cell.churn(100, 64), 1, "the load generator did not finish within 70 s"));
        List<ServerSpec> servers = List.of(new ServerSpec("reactor", "the reactor", List.of("java"), null),
                new ServerSpec("netty-epoll", "netty", List.of("java"), null),
                new ServerSpec("blocking", "threads", List.of("java"), null),
                new ServerSpec("virtual", "virtual threads", List.of("java"), "virtual threads need JDK 21 or later"));
        return new Report(MACHINE, new Report.Settings(Duration.ofSeconds(1), Duration.ofSeconds(3), 1, List.of(),
                "client.jar", servers, List.of("a note")), runs, Duration.ofSeconds(95), "1.0 0.5 0.3");
    }

    @Test
    void markdownHasTheTablesTheTargetsAndTheNotes() {
        String md = report().markdown();
        assertTrue(md.contains("Test CPU, 2 cores"), md);
        assertTrue(md.contains("| 100 | 64 B | reactor | 120,000 | 1.00 |"), md);
        assertTrue(md.contains("| 100 | 64 B | netty-epoll | 100,000 | 0.83 |"), md);
        assertTrue(md.contains("**skipped**: virtual threads need JDK 21 or later"), md);
        assertTrue(md.contains("at 100 connections: reactor throughput = 1.20 × netty-epoll's (target ≥ 1): **met**;"
                + " reactor CPU per message = 0.83 × netty-epoll's (target ≤ 0.9): **met**"), md);
        assertTrue(md.contains("at 1000 connections: reactor throughput = 1.20 × netty-epoll's (target ≥ 1): **met**;"
                + " reactor CPU per message = 1.00 × netty-epoll's (target ≤ 0.9): **missed**"), md);
        assertTrue(md.contains("Reactor peak RSS at 1000 connections (64 B): 57.2 MiB = 60.0 MB (target ≤ 64 MB): **met**"), md);
        assertTrue(md.contains("Thread-per-connection at pingpong 10000 × 64 B: 20 threads, peak RSS 858.3 MiB"), md);
        assertTrue(md.contains("| 1000 | reactor | 1,000 | 42.0 | 2.00 | 19 | 0 |"), md);
        assertTrue(md.contains("| 100 | 64 B | netty-epoll | failed: the load generator did not finish within 70 s |"), md);
        assertTrue(md.contains("- a note"), md);
    }

    @Test
    void csvHasARowPerSummaryAndPerRun() {
        Report report = report();
        String[] summary = report.summaryCsv().split("\n");
        String[] runs = report.runsCsv().split("\n");
        assertEquals(1 + report.summaries().size(), summary.length);
        assertEquals(1 + 9, runs.length);
        assertTrue(runs[runs.length - 1].contains("\"the load generator did not finish within 70 s\""), runs[runs.length - 1]);
        int columns = summary[0].split(",", -1).length;
        for (String row : summary) {
            assertEquals(columns, row.split(",", -1).length, row);
        }
    }

    @Test
    void jsonParsesBackWithMachineSummariesAndRuns() throws Exception {
        String text = report().json();
        JsonNode json = new ObjectMapper().readTree(text);
        assertEquals("Test CPU", json.path("machine").path("cpu").asText());
        assertEquals(9, json.path("runs").size());
        JsonNode first = json.path("summaries").get(0);
        assertEquals("reactor", first.path("server").asText());
        assertTrue(first.path("ratePerSecond").isIntegralNumber(), "whole numbers stay integers: " + first);
        assertEquals(120_000, first.path("ratePerSecond").asLong());
        JsonNode idle = json.path("runs").valueStream().filter(r -> r.path("kind").asText().equals("idle")).findFirst().orElseThrow();
        assertTrue(idle.path("latencyP50Micros").isNull(), "NaN, which JSON lacks, is null: " + idle);
        assertTrue(text.contains("\n  \"elapsedSeconds\": 95,\n") && text.contains("\"serverJvmOptions\": [],"), text);
    }

    @Test
    void svgDrawsOneLinePerServerInEveryPanel() {
        String svg = SvgChart.svg(report().summaries(), "title <&>");
        assertTrue(svg.startsWith("<svg"), svg);
        assertTrue(svg.contains("title &lt;&amp;&gt;"));
        assertTrue(svg.trim().endsWith("</svg>"));
        long paths = svg.lines().filter(l -> l.startsWith("<path")).count();
        assertEquals(2 * 3, paths, "2 panels (throughput, CPU) × 3 servers for 64 B");
        assertTrue(SvgChart.svg(List.of(), "empty").contains("no ping-pong results"));
    }

    @Test
    void problemsCountFailedRunsAndErrors() {
        assertEquals(1 + 3, report().problems());
    }
}
