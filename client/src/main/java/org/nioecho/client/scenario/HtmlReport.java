package org.nioecho.client.scenario;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * The scenarios as pictures for a browser ({@code scenario NAME|all --html DIR}): one page per
 * scenario, {@code DIR/<name>.html}, with its verdict and a sequence diagram of the run in the
 * manner of Stevens' figures (UNP fig. 2.5), and {@code DIR/index.html} listing the verdicts.
 *
 * <p>Pages are self-contained well-formed XHTML (inline CSS and SVG, no scripts, nothing
 * fetched), so that they open from a file and parse as XML.
 */
public final class HtmlReport {
    private static final String XHTML = "http://www.w3.org/1999/xhtml";

    private HtmlReport() {
    }

    /** Writes one page per record and the index into {@code dir} (created if missing). */
    public static void write(Path dir, List<ScenarioRecord> records) throws IOException {
        Objects.requireNonNull(dir, "dir");
        Files.createDirectories(dir);
        List<String> files = fileNames(records);
        for (int i = 0; i < records.size(); i++) {
            Files.writeString(dir.resolve(files.get(i)), page(records.get(i)), StandardCharsets.UTF_8);
        }
        Files.writeString(dir.resolve("index.html"), index(records, files), StandardCharsets.UTF_8);
    }

    /** A file name per record: the scenario's name made safe, unique, never {@code index.html}. */
    static List<String> fileNames(List<ScenarioRecord> records) {
        Set<String> taken = new HashSet<>(Set.of("index"));
        List<String> names = new ArrayList<>();
        for (ScenarioRecord record : records) {
            String base = record.verdict().scenario().replaceAll("[^A-Za-z0-9._-]", "_").replaceAll("^\\.+", "_");
            if (base.isEmpty()) {
                base = "scenario";
            }
            String name = base;
            for (int n = 2; !taken.add(name.toLowerCase(Locale.ROOT)); n++) {
                name = base + "-" + n;
            }
            names.add(name + ".html");
        }
        return names;
    }

    /** One scenario's page. */
    static String page(ScenarioRecord record) {
        Verdict verdict = record.verdict();
        StringBuilder html = new StringBuilder(16_384);
        head(html, "nioecho scenario " + verdict.scenario());
        html.append("<header>\n<h1>").append(esc(verdict.scenario())).append(' ').append(badge(verdict.outcome()))
                .append("</h1>\n<table class=\"facts\">\n");
        fact(html, "the notes say", verdict.notesSay());
        fact(html, "observed", verdict.observed());
        fact(html, "evidence", evidence(record));
        html.append("</table>\n");
        legend(html, record);
        html.append("</header>\n");
        if (record.events().isEmpty() && record.timeline().isEmpty()) {
            html.append("<p class=\"empty\">Nothing was recorded for this run.</p>\n");
        } else {
            SequenceDiagram diagram = SequenceDiagram.of(record);
            html.append("<div class=\"diagram\">\n").append(SequenceSvg.render(diagram, record.startNanos()))
                    .append("</div>\n");
        }
        html.append("<p class=\"foot\"><a href=\"index.html\">all scenarios</a></p>\n</body>\n</html>\n");
        return html.toString();
    }

    /** The index of verdicts, linking each scenario's page. */
    static String index(List<ScenarioRecord> records, List<String> files) {
        StringBuilder html = new StringBuilder(4096);
        head(html, "nioecho scenarios");
        long matched = records.stream().filter(r -> r.verdict().outcome() == Outcome.MATCH).count();
        html.append("<header>\n<h1>nioecho scenarios</h1>\n<p>").append(matched).append(" of ").append(records.size())
                .append(" match the notes.</p>\n</header>\n<table class=\"index\">\n<thead><tr><th>scenario</th>"
                        + "<th>verdict</th><th>evidence</th><th>observed</th></tr></thead>\n<tbody>\n");
        for (int i = 0; i < records.size(); i++) {
            ScenarioRecord record = records.get(i);
            Verdict verdict = record.verdict();
            html.append("<tr><td><a href=\"").append(esc(files.get(i))).append("\">").append(esc(verdict.scenario()))
                    .append("</a></td><td>").append(badge(verdict.outcome())).append("</td><td>")
                    .append(esc(evidence(record))).append("</td><td>").append(esc(verdict.observed()))
                    .append("</td></tr>\n");
        }
        html.append("</tbody>\n</table>\n</body>\n</html>\n");
        return html.toString();
    }

    private static void head(StringBuilder html, String title) {
        // <!DOCTYPE html> keeps browsers in standards mode and is well-formed XML as well.
        html.append("<!DOCTYPE html>\n<html xmlns=\"").append(XHTML).append("\" lang=\"en\">\n<head>\n")
                .append("<meta charset=\"utf-8\"/>\n<title>").append(esc(title)).append("</title>\n<style>\n")
                .append(CSS).append("</style>\n</head>\n<body>\n");
    }

    private static void fact(StringBuilder html, String name, String value) {
        html.append("<tr><th>").append(esc(name)).append("</th><td>").append(esc(value)).append("</td></tr>\n");
    }

    private static String badge(Outcome outcome) {
        String name = outcome.name();
        return "<span class=\"verdict " + name.toLowerCase(Locale.ROOT) + "\">" + name + "</span>";
    }

    private static String evidence(ScenarioRecord record) {
        if (record.evidence().equals("polling")) {
            return "polling: /proc/net/tcp sampled (no kernel events; states between samples may be missed)";
        }
        String text = record.evidence() + ": " + record.events().size() + " kernel events";
        return record.overruns() > 0 ? text + ", " + record.overruns() + " LOST to a full trace buffer" : text;
    }

    private static void legend(StringBuilder html, ScenarioRecord record) {
        html.append("<div class=\"legend\">\n<ul>\n");
        if (!record.events().isEmpty()) {
            item(html, "<rect class=\"state-box\" x=\"2\" y=\"1\" width=\"40\" height=\"14\" rx=\"3\"/>",
                    "TCP state entered, as the kernel recorded it, beside that end's lifeline");
            arrowItem(html, "fin", false, "FIN, inferred from the state changes of both ends (sent: →FIN_WAIT1 or "
                    + "→LAST_ACK; arrived: →CLOSE_WAIT, →CLOSING, FIN_WAIT2→TIME_WAIT, which Linux records as "
                    + "FIN_WAIT2→CLOSE)");
            arrowItem(html, "ack", false, "ACK of a FIN, inferred likewise; drawn where it arrived");
            arrowItem(html, "rst", false, "RST: sent (tcp_send_reset) by the end whose port it came from, "
                    + "received (tcp_receive_reset) by the other");
        }
        arrowItem(html, "data", false, "data, from the application's write and read calls, drawn as arrived when "
                + "the call returned: approximate, it may have gone earlier (no event records data segments)");
        arrowItem(html, "fin", true, "dashed: no event shows that it arrived");
        item(html, "<text class=\"call\" x=\"2\" y=\"12\">call</text>",
                "the application's calls and what they returned, when they returned");
        if (record.evidence().equals("polling")) {
            item(html, "<text class=\"polled\" x=\"2\" y=\"12\">kernel</text>",
                    "states polled from /proc/net/tcp, as notes between the lifelines");
        }
        html.append("<li>time runs down, one row per event, <b>not to scale</b>: times are ms from the "
                + "scenario's start; a pause adds room growing with its log, and one of ").append(SequenceSvg.MARKED_GAP_MS)
                .append(" ms or more is marked on the lifelines</li>\n</ul>\n</div>\n");
    }

    private static void arrowItem(StringBuilder html, String kind, boolean dashed, String text) {
        item(html, "<g class=\"arrow " + kind + (dashed ? " unconfirmed" : "") + "\"><line x1=\"2\" y1=\"8\" x2=\"34\" "
                + "y2=\"8\"/><path d=\"M32,4 L42,8 L32,12 z\"/></g>", text);
    }

    private static void item(StringBuilder html, String svg, String text) {
        html.append("<li><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"46\" height=\"16\" viewBox=\"0 0 46 16\">")
                .append(svg).append("</svg> ").append(esc(text)).append("</li>\n");
    }

    private static String esc(String text) {
        return XmlText.escape(text);
    }

    private static final String CSS = """
            body { font: 14px/1.4 "DejaVu Sans", Arial, sans-serif; color: #24292f; margin: 16px 24px; max-width: 1180px; }
            h1 { font-size: 22px; margin: 0 0 8px 0; }
            .verdict { font-size: 14px; padding: 2px 8px; border-radius: 10px; color: white; vertical-align: middle; }
            .verdict.match { background: #1a7f37; }
            .verdict.mismatch { background: #cf222e; }
            .verdict.skipped { background: #6e7781; }
            table.facts th { text-align: left; vertical-align: top; padding: 2px 12px 2px 0; white-space: nowrap; color: #57606a; }
            table.facts td { padding: 2px 0; }
            table.index { border-collapse: collapse; }
            table.index th, table.index td { text-align: left; vertical-align: top; padding: 4px 10px; border-bottom: 1px solid #d0d7de; }
            table.index td:nth-child(-n+2) { white-space: nowrap; }
            .legend ul { list-style: none; padding: 0; margin: 8px 0; font-size: 12px; color: #57606a; columns: 2; }
            .legend li { margin: 1px 0; break-inside: avoid; }
            .legend svg { vertical-align: middle; }
            .diagram { border-top: 1px solid #d0d7de; padding-top: 6px; }
            svg text { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12px; fill: #24292f; }
            line.guide { stroke: #eaeef2; stroke-width: 1; }
            line.lifeline { stroke: #24292f; stroke-width: 2; }
            rect.head-box { fill: #f6f8fa; stroke: #24292f; stroke-width: 1.5; }
            text.head-name { font-weight: bold; font-size: 14px; }
            text.head-address, text.time-head { fill: #57606a; }
            text.time { fill: #57606a; font-size: 11px; }
            text.gap { fill: #8250df; font-size: 11px; font-style: italic; }
            g.gap-mark rect { fill: white; stroke: none; }
            g.gap-mark line { stroke: #8250df; stroke-width: 1.5; }
            rect.state-box { fill: #ddf4ff; stroke: #54aeff; }
            circle.state-dot { fill: #0969da; }
            text.state { font-weight: bold; fill: #0a3069; }
            text.hint { font-size: 10px; font-style: italic; fill: #57606a; }
            text.error { font-weight: bold; fill: #cf222e; }
            text.reset { fill: #cf222e; }
            text.retransmit { fill: #bc4c00; }
            rect.note-box { fill: white; fill-opacity: 0.9; stroke: #d0d7de; }
            text.note { font-size: 11px; font-style: italic; fill: #57606a; }
            text.polled { font-size: 11px; fill: #0a3069; }
            g.arrow line { stroke-width: 1.6; fill: none; }
            g.arrow.unconfirmed line { stroke-dasharray: 6 4; }
            text.arrow-label { font-size: 11px; paint-order: stroke; stroke: white; stroke-width: 3px; }
            g.fin line, marker.fin path { stroke: #0550ae; fill: #0550ae; }
            g.fin text.arrow-label { fill: #0550ae; font-weight: bold; }
            g.ack line, marker.ack path { stroke: #6e7781; fill: #6e7781; }
            g.ack line { stroke-width: 1.1; }
            g.ack text.arrow-label { fill: #6e7781; }
            g.rst line, marker.rst path { stroke: #cf222e; fill: #cf222e; }
            g.rst text.arrow-label { fill: #cf222e; font-weight: bold; }
            g.data line, marker.data path { stroke: #1a7f37; fill: #1a7f37; }
            g.data text.arrow-label { fill: #1a7f37; }
            g.retransmit line, marker.retransmit path { stroke: #bc4c00; fill: #bc4c00; }
            g.retransmit text.arrow-label { fill: #bc4c00; }
            g.fin path { fill: #0550ae; } g.ack path { fill: #6e7781; } g.rst path { fill: #cf222e; }
            g.data path { fill: #1a7f37; } g.retransmit path { fill: #bc4c00; }
            .legend text.call { font-size: 11px; }
            .legend text.polled { font-size: 11px; }
            p.foot { font-size: 12px; }
            """;
}
