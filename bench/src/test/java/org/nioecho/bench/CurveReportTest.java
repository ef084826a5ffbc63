package org.nioecho.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The latency curve's Markdown, CSV, JSON and its SVG chart (log latency axis, one line per server). */
class CurveReportTest {
    private static final Cell CELL = Cell.rate(1000, 64);
    private static final List<String> SERVERS = List.of("reactor", "netty-epoll", "netty-io_uring");

    /** A hockey stick: flat latency, then a steep rise past 90 %. */
    private static List<CurvePoint> points() {
        List<CurvePoint> points = new ArrayList<>();
        for (int s = 0; s < SERVERS.size(); s++) {
            for (int percent : CurvePlan.PERCENTS) {
                double p50 = percent <= 90 ? 50 + s : 50 * Math.pow(10, (percent - 90) / 10.0);
                boolean kept = percent < 120;
                points.add(new CurvePoint(SERVERS.get(s), CELL, percent, 1000.0 * percent, 6000L * percent, p50, p50 * 4, p50 * 10,
                        kept ? 30 : 2_000_000, 6000L * percent, kept ? 6000L * percent : 5000L * percent, kept, 0, "", null));
            }
        }
        points.add(CurvePoint.failed("blocking", CELL, 10, 100, "the load generator did not finish within 70 s"));
        return points;
    }

    private static CurveReport report() {
        Map<String, Double> closedLoop = new LinkedHashMap<>();
        SERVERS.forEach(s -> closedLoop.put(s, 100_000.0));
        closedLoop.put("blocking", 1000.0);
        return new CurveReport(CELL, closedLoop, points(), Duration.ofSeconds(1), Duration.ofSeconds(5));
    }

    private static Document parse(String svg) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return factory.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void svgIsXmlWithOneLinePerServerInEachPercentilePanelOnALogAxis() throws Exception {
        String svg = CurveChart.svg(points(), "curve <&> title");
        Document doc = parse(svg);
        assertEquals("svg", doc.getDocumentElement().getTagName());
        NodeList paths = doc.getElementsByTagName("path");
        assertEquals(3 * SERVERS.size(), paths.getLength(), "p50, p99, p99.9 panels × one line per server (the failed one has none)");
        for (int i = 0; i < paths.getLength(); i++) {
            String server = ((Element) paths.item(i)).getAttribute("data-server");
            assertEquals(SERVERS.get(i % SERVERS.size()), server);
            assertEquals(CurvePlan.PERCENTS.size(), ((Element) paths.item(i)).getAttribute("d").split("L").length,
                    "a point per step: " + server);
        }
        NodeList groups = doc.getElementsByTagName("g");
        List<Double> tickYs = new ArrayList<>();
        List<String> tickLabels = new ArrayList<>();
        int logAxes = 0;
        for (int i = 0; i < groups.getLength(); i++) {
            Element g = (Element) groups.item(i);
            if (g.getAttribute("data-scale").equals("log")) {
                logAxes++;
                NodeList texts = g.getElementsByTagName("text");
                for (int t = 0; t < texts.getLength() && logAxes == 1; t++) {
                    tickLabels.add(texts.item(t).getTextContent());
                    tickYs.add(Double.parseDouble(((Element) texts.item(t)).getAttribute("y")));
                }
            }
        }
        assertEquals(3, logAxes, "each panel's latency axis is logarithmic");
        // 50 µs .. 50 ms * 10 (p99.9 at 120 %): whole decades from 10 µs to 1 s, equally spaced
        assertEquals(List.of("10 µs", "100 µs", "1 ms", "10 ms", "100 ms", "1 s"), tickLabels);
        for (int i = 2; i < tickYs.size(); i++) {
            assertEquals(tickYs.get(1) - tickYs.get(0), tickYs.get(i) - tickYs.get(i - 1), 0.11, "equal height per decade: " + tickYs);
        }
        assertTrue(svg.contains("curve &lt;&amp;&gt; title"));
        assertTrue(parse(CurveChart.svg(List.of(), "empty")).getDocumentElement().getTextContent().contains("no latency-curve results"));
    }

    @Test
    void markdownHasARowPerStepAndShowsAGeneratorThatFellBehind() {
        String md = report().markdown();
        assertTrue(md.contains("## Latency under load (open loop, 1000 connections × 64 B)"), md);
        assertTrue(md.contains("| reactor | 100,000 | 10 % | 10,000 | 50.0 | 200 | 500 | 30.0 | 60,000 | 60,000 | 60,000 | yes | 0 |"), md);
        assertTrue(md.contains("| netty-io_uring | 100,000 | 120 % | 120,000 |") && md.contains("| 720,000 | 600,000 | 720,000 | **no** | 0 |"), md);
        assertTrue(md.contains("| blocking | 1,000 | 10 % | 100 | failed: the load generator did not finish within 70 s |"), md);
        long rows = md.lines().filter(l -> l.startsWith("| ") && !l.startsWith("| server")).count();
        assertEquals(3 * CurvePlan.PERCENTS.size() + 1, rows);
        assertEquals(1, report().problems(), "the failed step");
    }

    @Test
    void csvAndJsonCarryEveryStep() throws Exception {
        String[] csv = report().csv().split("\n");
        assertEquals(1 + 3 * CurvePlan.PERCENTS.size() + 1, csv.length);
        int columns = csv[0].split(",", -1).length;
        for (String row : csv) {
            assertEquals(columns, row.split(",", -1).length, row);
        }
        JsonNode json = new ObjectMapper().readTree(report().json());
        assertEquals(1000, json.path("connections").asInt());
        assertEquals(100_000, json.path("closedLoopPerSecond").path("reactor").asLong());
        assertEquals(3 * CurvePlan.PERCENTS.size() + 1, json.path("steps").size());
        JsonNode past = json.path("steps").get(CurvePlan.PERCENTS.size() - 1);
        assertEquals(120, past.path("percent").asInt());
        assertTrue(!past.path("generatorKept").asBoolean() && past.path("latenessP99Micros").asLong() == 2_000_000, past.toString());
        assertTrue(json.path("steps").get(3 * CurvePlan.PERCENTS.size()).path("latencyP50Micros").isNull(), "NaN is null");
    }
}
