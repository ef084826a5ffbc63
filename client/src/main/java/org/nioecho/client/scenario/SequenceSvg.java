package org.nioecho.client.scenario;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Draws a {@link SequenceDiagram} as inline SVG: the client's lifeline on the left, the
 * server's on the right, one row per event going down the page with its time in ms at the
 * left. Rows are evenly spaced, not to scale: a pause between rows adds a little room (the
 * log of its length) and, from {@value #MARKED_GAP_MS} ms on, a break mark with its length,
 * so that 10 µs and 6 s apart are both readable. Styles are classes, defined by the page.
 */
final class SequenceSvg {
    static final int WIDTH_PX = 1160;
    static final int MARKED_GAP_MS = 50;
    private static final int TIME_X = 86;
    private static final int CLIENT_X = 450;
    private static final int SERVER_X = 770;
    private static final int TOP_Y = 96;
    private static final int ROW_PX = 24;
    private static final int LINE_PX = 14;
    private static final int MAX_LINES = 4;
    private static final double CHAR_PX = 7.25; // 12px DejaVu Sans Mono
    private static final int SIDE_CHARS = (int) ((CLIENT_X - TIME_X - 28) / CHAR_PX);
    private static final int NOTE_CHARS = (int) ((WIDTH_PX - CLIENT_X - 24) / (CHAR_PX * 11 / 12));

    private SequenceSvg() {
    }

    /** The {@code <svg>} element of {@code diagram}; times are ms from {@code startNanos}. */
    static String render(SequenceDiagram diagram, long startNanos) {
        List<SequenceDiagram.Row> rows = diagram.rows();
        double[] y = new double[rows.size()];
        List<List<String>> lines = new ArrayList<>();
        StringBuilder gaps = new StringBuilder();
        double at = TOP_Y;
        for (int i = 0; i < rows.size(); i++) {
            SequenceDiagram.Row row = rows.get(i);
            List<String> wrapped = clip(wrap(row.text(), row.side() == SequenceDiagram.Side.MIDDLE ? NOTE_CHARS : SIDE_CHARS));
            lines.add(wrapped);
            if (i > 0) {
                SequenceDiagram.Row before = rows.get(i - 1);
                int extraLines = lines.get(i - 1).size() - 1 + (before.hint() != null ? 1 : 0);
                double gapMs = (row.monoNanos() - before.monoNanos()) / 1e6;
                double room = gapRoomPx(gapMs);
                at += ROW_PX + extraLines * LINE_PX + room;
                if (gapMs >= MARKED_GAP_MS) {
                    gapMark(gaps, at - ROW_PX / 2.0 - room / 2, gapMs);
                }
            }
            y[i] = at;
        }
        double bottom = at + ROW_PX * 2 + (diagram.rowsLeftOut() > 0 ? ROW_PX : 0);
        StringBuilder svg = new StringBuilder(8192 + rows.size() * 400);
        svg.append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"sequence\" width=\"").append(WIDTH_PX)
                .append("\" height=\"").append(px(bottom)).append("\" viewBox=\"0 0 ").append(WIDTH_PX).append(' ')
                .append(px(bottom)).append("\" role=\"img\">\n");
        svg.append("<title>sequence diagram: client on the left, server on the right, time going down</title>\n");
        defs(svg);
        for (int i = 0; i < rows.size(); i++) {
            svg.append("<line class=\"guide\" x1=\"").append(TIME_X + 6).append("\" y1=\"").append(px(y[i]))
                    .append("\" x2=\"").append(WIDTH_PX - 8).append("\" y2=\"").append(px(y[i])).append("\"/>\n");
        }
        lifelines(svg, diagram, bottom);
        svg.append(gaps);
        for (SequenceDiagram.Arrow arrow : diagram.arrows()) {
            arrow(svg, arrow, y);
        }
        for (int i = 0; i < rows.size(); i++) {
            row(svg, rows.get(i), lines.get(i), y[i], startNanos);
        }
        if (diagram.rowsLeftOut() > 0) {
            text(svg, "left-out", TIME_X + 6, at + ROW_PX * 1.5, "start", diagram.rowsLeftOut()
                    + " later events and calls are not drawn (at most " + SequenceDiagram.MAX_ROWS + " rows)");
        }
        return svg.append("</svg>\n").toString();
    }

    /** Room added for a pause: nothing up to 1 ms, then growing with its log, plus room for a break mark. */
    static double gapRoomPx(double gapMs) {
        if (gapMs <= 1) {
            return 0;
        }
        double room = Math.min(48, 12 * Math.log10(gapMs));
        return room + (gapMs >= MARKED_GAP_MS ? 10 : 0);
    }

    private static void defs(StringBuilder svg) {
        svg.append("<defs>\n");
        for (String kind : List.of("fin", "ack", "rst", "data", "retransmit")) {
            svg.append("<marker id=\"head-").append(kind).append("\" class=\"head ").append(kind)
                    .append("\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"9\" markerHeight=\"9\""
                            + " markerUnits=\"userSpaceOnUse\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\"/></marker>\n");
        }
        svg.append("</defs>\n");
    }

    private static void lifelines(StringBuilder svg, SequenceDiagram diagram, double bottom) {
        text(svg, "time-head", TIME_X, 62, "end", "ms");
        head(svg, CLIENT_X, "client", diagram.clientLabel());
        head(svg, SERVER_X, "server", diagram.serverLabel());
        for (int x : new int[] {CLIENT_X, SERVER_X}) {
            svg.append("<line class=\"lifeline\" x1=\"").append(x).append("\" y1=\"58\" x2=\"").append(x)
                    .append("\" y2=\"").append(px(bottom - 8)).append("\"/>\n");
        }
    }

    private static void head(StringBuilder svg, int x, String name, String address) {
        double width = Math.max(110, Math.min(300, Math.max(name.length(), address.length()) * CHAR_PX + 24));
        svg.append("<rect class=\"head-box\" x=\"").append(px(x - width / 2)).append("\" y=\"10\" width=\"")
                .append(px(width)).append("\" height=\"48\" rx=\"6\"/>\n");
        text(svg, "head-name", x, 30, "middle", name);
        if (!address.isEmpty()) {
            text(svg, "head-address", x, 48, "middle", address);
        }
    }

    private static void gapMark(StringBuilder svg, double y, double gapMs) {
        String length = gapMs >= 1000 ? String.format(Locale.ROOT, "%.2f s later", gapMs / 1000)
                : String.format(Locale.ROOT, "%.0f ms later", gapMs);
        text(svg, "gap", TIME_X, y + 4, "end", length);
        for (int x : new int[] {CLIENT_X, SERVER_X}) {
            svg.append("<g class=\"gap-mark\"><rect x=\"").append(x - 8).append("\" y=\"").append(px(y - 5))
                    .append("\" width=\"16\" height=\"10\"/><line x1=\"").append(x - 8).append("\" y1=\"")
                    .append(px(y - 2)).append("\" x2=\"").append(x + 8).append("\" y2=\"").append(px(y - 7))
                    .append("\"/><line x1=\"").append(x - 8).append("\" y1=\"").append(px(y + 7)).append("\" x2=\"")
                    .append(x + 8).append("\" y2=\"").append(px(y + 2)).append("\"/></g>\n");
        }
    }

    private static int lifeline(SequenceDiagram.Side side) {
        return side == SequenceDiagram.Side.SERVER ? SERVER_X : CLIENT_X;
    }

    private static void arrow(StringBuilder svg, SequenceDiagram.Arrow arrow, double[] y) {
        double x1 = lifeline(arrow.from());
        double x2 = lifeline(arrow.from().other());
        double y1 = y[arrow.startRow()] + arrow.startShift() * ROW_PX;
        double y2 = y[arrow.endRow()] + arrow.endShift() * ROW_PX;
        svg.append("<g class=\"arrow ").append(arrow.kind()).append(arrow.confirmed() ? "" : " unconfirmed")
                .append("\"><line x1=\"").append(px(x1)).append("\" y1=\"").append(px(y1)).append("\" x2=\"")
                .append(px(x2)).append("\" y2=\"").append(px(y2)).append("\" marker-end=\"url(#head-")
                .append(arrow.kind()).append(")\"/>");
        double midX = (x1 + x2) / 2;
        double midY = (y1 + y2) / 2;
        double degrees = Math.toDegrees(Math.atan2(y2 - y1, x2 - x1));
        if (degrees > 90 || degrees < -90) {
            degrees += 180; // keep the label upright on arrows going left
        }
        svg.append("<text class=\"arrow-label\" x=\"").append(px(midX)).append("\" y=\"").append(px(midY - 4))
                .append("\" text-anchor=\"middle\" transform=\"rotate(").append(px(degrees)).append(' ')
                .append(px(midX)).append(' ').append(px(midY)).append(")\">").append(XmlText.escape(arrow.label()))
                .append("</text></g>\n");
    }

    private static void row(StringBuilder svg, SequenceDiagram.Row row, List<String> lines, double y, long startNanos) {
        text(svg, "time", TIME_X, y + 4, "end", String.format(Locale.ROOT, "%.3f", (row.monoNanos() - startNanos) / 1e6));
        String side = row.side().css();
        double x;
        String anchor;
        switch (row.side()) {
            case CLIENT -> {
                x = CLIENT_X - 12;
                anchor = "end";
            }
            case SERVER -> {
                x = SERVER_X + 12;
                anchor = "start";
            }
            default -> {
                x = CLIENT_X + 14;
                anchor = "start";
            }
        }
        svg.append("<g class=\"row\"><title>").append(XmlText.escape(row.detail())).append("</title>");
        if (row.kind().equals("state")) {
            double width = row.text().length() * CHAR_PX + 12;
            double left = anchor.equals("end") ? x - width + 6 : x - 6;
            svg.append("<rect class=\"state-box\" x=\"").append(px(left)).append("\" y=\"").append(px(y - 11))
                    .append("\" width=\"").append(px(width)).append("\" height=\"18\" rx=\"4\"/>");
            svg.append("<circle class=\"state-dot\" cx=\"").append(lifeline(row.side())).append("\" cy=\"")
                    .append(px(y)).append("\" r=\"3.5\"/>");
        } else if (row.side() == SequenceDiagram.Side.MIDDLE) {
            int longest = lines.stream().mapToInt(String::length).max().orElse(0);
            svg.append("<rect class=\"note-box\" x=\"").append(px(x - 4)).append("\" y=\"").append(px(y - 11))
                    .append("\" width=\"").append(px(longest * CHAR_PX * 11 / 12 + 8)).append("\" height=\"")
                    .append(px(16 + (lines.size() - 1) * LINE_PX)).append("\" rx=\"3\"/>");
        }
        svg.append("<text class=\"").append(row.kind()).append(' ').append(row.kind()).append('-').append(side)
                .append("\" x=\"").append(px(x)).append("\" y=\"").append(px(y + 4)).append("\" text-anchor=\"")
                .append(anchor).append("\">");
        if (lines.size() == 1) {
            svg.append(XmlText.escape(lines.get(0)));
        } else {
            for (int i = 0; i < lines.size(); i++) {
                svg.append("<tspan x=\"").append(px(x)).append("\" dy=\"").append(i == 0 ? 0 : LINE_PX).append("\">")
                        .append(XmlText.escape(lines.get(i))).append("</tspan>");
            }
        }
        svg.append("</text>");
        if (row.hint() != null) {
            svg.append("<text class=\"hint hint-").append(side).append("\" x=\"").append(px(x)).append("\" y=\"")
                    .append(px(y + 4 + lines.size() * LINE_PX)).append("\" text-anchor=\"").append(anchor).append("\">")
                    .append(XmlText.escape(row.hint())).append("</text>");
        }
        svg.append("</g>\n");
    }

    private static void text(StringBuilder svg, String css, double x, double y, String anchor, String text) {
        svg.append("<text class=\"").append(css).append("\" x=\"").append(px(x)).append("\" y=\"").append(px(y))
                .append("\" text-anchor=\"").append(anchor).append("\">").append(XmlText.escape(text)).append("</text>\n");
    }

    /** Splits {@code text} at spaces into lines of at most {@code width} characters (longer words are cut). */
    static List<String> wrap(String text, int width) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" ")) {
            while (word.length() > width) {
                if (line.length() > 0) {
                    lines.add(line.toString());
                    line.setLength(0);
                }
                lines.add(word.substring(0, width));
                word = word.substring(width);
            }
            if (line.length() > 0 && line.length() + 1 + word.length() > width) {
                lines.add(line.toString());
                line.setLength(0);
            }
            if (line.length() > 0) {
                line.append(' ');
            }
            line.append(word);
        }
        if (line.length() > 0 || lines.isEmpty()) {
            lines.add(line.toString());
        }
        return lines;
    }

    /** At most {@value #MAX_LINES} lines: a longer text is cut (its tooltip has it whole). */
    private static List<String> clip(List<String> lines) {
        if (lines.size() <= MAX_LINES) {
            return lines;
        }
        List<String> kept = new ArrayList<>(lines.subList(0, MAX_LINES));
        kept.set(MAX_LINES - 1, kept.get(MAX_LINES - 1) + " …");
        return kept;
    }

    private static String px(double value) {
        return String.format(Locale.ROOT, "%.1f", value);
    }
}
