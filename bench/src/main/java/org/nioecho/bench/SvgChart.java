package org.nioecho.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;

/**
 * The comparison as an SVG chart: for each ping-pong message size, throughput and server
 * CPU per message against connections (log scale), one line per server.
 */
final class SvgChart {
    private static final String[] COLORS = {"#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"};
    private static final int PANEL_WIDTH = 460;
    private static final int PANEL_HEIGHT = 300;
    private static final int LEFT = 70;
    private static final int TOP = 40;
    private static final int PLOT_WIDTH = PANEL_WIDTH - LEFT - 20;
    private static final int PLOT_HEIGHT = PANEL_HEIGHT - TOP - 50;

    private SvgChart() {
    }

    /** The chart, or an SVG saying there is nothing to draw. */
    static String svg(List<Summary> summaries, String title) {
        List<Summary> pingPong = summaries.stream().filter(s -> s.cell().kind() == Cell.Kind.PINGPONG && s.ok()).toList();
        TreeSet<Integer> sizes = new TreeSet<>();
        List<String> servers = new ArrayList<>();
        for (Summary s : pingPong) {
            sizes.add(s.cell().sizeBytes());
            if (!servers.contains(s.server())) {
                servers.add(s.server());
            }
        }
        int rows = Math.max(1, sizes.size());
        int width = 2 * PANEL_WIDTH;
        int height = rows * PANEL_HEIGHT + 60;
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n", width, height, width, height));
        svg.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", width, height));
        svg.append(text(width / 2.0, 20, "middle", 15, escape(title)));
        if (pingPong.isEmpty()) {
            svg.append(text(width / 2.0, 60, "middle", 12, "no ping-pong results to draw"));
            return svg.append("</svg>\n").toString();
        }
        int row = 0;
        for (int size : sizes) {
            List<Summary> ofSize = pingPong.stream().filter(s -> s.cell().sizeBytes() == size).toList();
            panel(svg, 0, 30 + row * PANEL_HEIGHT, "throughput, " + Cell.size(size) + " ping-pong", "messages/s",
                    ofSize, servers, Summary::rate);
            panel(svg, PANEL_WIDTH, 30 + row * PANEL_HEIGHT, "server CPU per message, " + Cell.size(size), "CPU µs/message",
                    ofSize, servers, s -> s.cpuSecondsPerOp() * 1e6);
            row++;
        }
        legend(svg, servers, 10, height - 22);
        return svg.append("</svg>\n").toString();
    }

    private static void panel(StringBuilder svg, int x0, int y0, String title, String yLabel, List<Summary> rows,
                              List<String> servers, ToDoubleFunction<Summary> figure) {
        TreeSet<Integer> connections = new TreeSet<>();
        double max = 0;
        for (Summary s : rows) {
            connections.add(s.cell().connections());
            double v = figure.applyAsDouble(s);
            if (!Double.isNaN(v) && !Double.isInfinite(v)) {
                max = Math.max(max, v);
            }
        }
        max = max <= 0 ? 1 : niceCeiling(max * 1.05);
        double minLog = Math.log10(connections.first());
        double maxLog = Math.log10(connections.last());
        int px = x0 + LEFT;
        int py = y0 + TOP;
        svg.append(text(x0 + PANEL_WIDTH / 2.0, y0 + 22, "middle", 13, escape(title)));
        svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#999\"/>\n",
                px, py, PLOT_WIDTH, PLOT_HEIGHT));
        for (int i = 0; i <= 4; i++) {
            double value = max * i / 4;
            double y = py + PLOT_HEIGHT - PLOT_HEIGHT * i / 4.0;
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>\n",
                    px, y, px + PLOT_WIDTH, y));
            svg.append(text(px - 6, y + 4, "end", 11, axisNumber(value)));
        }
        for (int c : connections) {
            double x = xFor(c, minLog, maxLog, px);
            svg.append(text(x, py + PLOT_HEIGHT + 16, "middle", 11, Integer.toString(c)));
        }
        svg.append(text(px + PLOT_WIDTH / 2.0, py + PLOT_HEIGHT + 34, "middle", 11, "connections (log scale)"));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"11\" "
                + "transform=\"rotate(-90 %d %.1f)\">%s</text>\n", x0 + 14, py + PLOT_HEIGHT / 2.0, x0 + 14, py + PLOT_HEIGHT / 2.0, escape(yLabel)));
        for (int i = 0; i < servers.size(); i++) {
            String server = servers.get(i);
            Map<Integer, Double> points = new LinkedHashMap<>();
            rows.stream().filter(s -> s.server().equals(server))
                    .sorted((a, b) -> Integer.compare(a.cell().connections(), b.cell().connections()))
                    .forEach(s -> points.put(s.cell().connections(), figure.applyAsDouble(s)));
            StringBuilder path = new StringBuilder();
            for (Map.Entry<Integer, Double> p : points.entrySet()) {
                if (Double.isNaN(p.getValue()) || Double.isInfinite(p.getValue())) {
                    continue;
                }
                double x = xFor(p.getKey(), minLog, maxLog, px);
                double y = py + PLOT_HEIGHT - PLOT_HEIGHT * p.getValue() / max;
                path.append(path.length() == 0 ? "M" : " L").append(String.format(Locale.ROOT, "%.1f %.1f", x, y));
                svg.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>\n", x, y, color(i)));
            }
            if (path.length() > 0) {
                svg.append(String.format(Locale.ROOT, "<path d=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"/>\n", path, color(i)));
            }
        }
    }

    private static double xFor(int connections, double minLog, double maxLog, int px) {
        if (maxLog - minLog < 1e-9) {
            return px + PLOT_WIDTH / 2.0;
        }
        return px + 10 + (PLOT_WIDTH - 20) * (Math.log10(connections) - minLog) / (maxLog - minLog);
    }

    private static void legend(StringBuilder svg, List<String> servers, int x, int y) {
        int at = x;
        for (int i = 0; i < servers.size(); i++) {
            svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"4\" fill=\"%s\"/>\n", at, y - 4, color(i)));
            svg.append(text(at + 18, y + 2, "start", 12, escape(servers.get(i))));
            at += 30 + servers.get(i).length() * 8;
        }
    }

    static String color(int i) {
        return COLORS[i % COLORS.length];
    }

    private static double niceCeiling(double value) {
        double magnitude = Math.pow(10, Math.floor(Math.log10(value)));
        for (double step : new double[] {1, 2, 2.5, 5, 10}) {
            if (step * magnitude >= value) {
                return step * magnitude;
            }
        }
        return 10 * magnitude;
    }

    private static String axisNumber(double value) {
        if (value >= 1_000_000) {
            return String.format(Locale.ROOT, "%.3gM", value / 1e6);
        }
        if (value >= 1_000) {
            return String.format(Locale.ROOT, "%.3gk", value / 1e3);
        }
        return String.format(Locale.ROOT, "%.3g", value);
    }

    static String text(double x, double y, String anchor, int size, String content) {
        return String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"%d\">%s</text>\n",
                x, y, anchor, size, content);
    }

    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
