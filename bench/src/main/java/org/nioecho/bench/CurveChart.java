package org.nioecho.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * The latency curve as an SVG "hockey stick": for p50, p99 and p99.9, latency on a log axis
 * against offered load (percent of each server's own closed-loop rate), one line per server.
 */
final class CurveChart {
    private static final int PANEL_WIDTH = 420;
    private static final int PANEL_HEIGHT = 320;
    private static final int LEFT = 70;
    private static final int TOP = 40;
    private static final int PLOT_WIDTH = PANEL_WIDTH - LEFT - 20;
    private static final int PLOT_HEIGHT = PANEL_HEIGHT - TOP - 50;

    private CurveChart() {
    }

    /** The chart, or an SVG saying there is nothing to draw. */
    static String svg(List<CurvePoint> points, String title) {
        List<CurvePoint> ok = points.stream().filter(CurvePoint::ok).toList();
        List<String> servers = new ArrayList<>();
        for (CurvePoint p : points) {
            if (!servers.contains(p.server())) {
                servers.add(p.server());
            }
        }
        int width = 3 * PANEL_WIDTH;
        int height = PANEL_HEIGHT + 70;
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n", width, height, width, height));
        svg.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", width, height));
        svg.append(SvgChart.text(width / 2.0, 20, "middle", 15, SvgChart.escape(title)));
        if (ok.isEmpty()) {
            svg.append(SvgChart.text(width / 2.0, 60, "middle", 12, "no latency-curve results to draw"));
            return svg.append("</svg>\n").toString();
        }
        double min = Double.MAX_VALUE;
        double max = 0;
        int maxPercent = 0;
        for (CurvePoint p : ok) {
            for (double v : new double[] {p.latencyP50Micros(), p.latencyP99Micros(), p.latencyP999Micros()}) {
                if (v > 0 && !Double.isInfinite(v)) {
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
            }
            maxPercent = Math.max(maxPercent, p.percent());
        }
        // whole decades, shared by the three panels so that they compare at a glance
        int lowDecade = (int) Math.floor(Math.log10(min == Double.MAX_VALUE ? 1 : min));
        int highDecade = Math.max(lowDecade + 1, (int) Math.ceil(Math.log10(Math.max(max, 1))));
        int xMax = (int) (Math.ceil(maxPercent / 10.0) * 10);
        panel(svg, 0, 30, "p50", ok, servers, CurvePoint::latencyP50Micros, lowDecade, highDecade, xMax);
        panel(svg, PANEL_WIDTH, 30, "p99", ok, servers, CurvePoint::latencyP99Micros, lowDecade, highDecade, xMax);
        panel(svg, 2 * PANEL_WIDTH, 30, "p99.9", ok, servers, CurvePoint::latencyP999Micros, lowDecade, highDecade, xMax);
        int at = 10;
        for (int i = 0; i < servers.size(); i++) {
            svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"4\" fill=\"%s\"/>\n",
                    at, height - 26, SvgChart.color(i)));
            svg.append(SvgChart.text(at + 18, height - 20, "start", 12, SvgChart.escape(servers.get(i))));
            at += 30 + servers.get(i).length() * 8;
        }
        return svg.append("</svg>\n").toString();
    }

    private static void panel(StringBuilder svg, int x0, int y0, String percentile, List<CurvePoint> points,
                              List<String> servers, ToDoubleFunction<CurvePoint> figure, int lowDecade, int highDecade, int xMax) {
        int px = x0 + LEFT;
        int py = y0 + TOP;
        svg.append(SvgChart.text(x0 + PANEL_WIDTH / 2.0, y0 + 22, "middle", 13, percentile + " latency under open-loop load"));
        svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#999\"/>\n",
                px, py, PLOT_WIDTH, PLOT_HEIGHT));
        svg.append("<g class=\"y-axis\" data-scale=\"log\">\n");
        for (int d = lowDecade; d <= highDecade; d++) {
            double y = yFor(Math.pow(10, d), lowDecade, highDecade, py);
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>\n",
                    px, y, px + PLOT_WIDTH, y));
            svg.append(SvgChart.text(px - 6, y + 4, "end", 11, micros(Math.pow(10, d))));
        }
        svg.append("</g>\n");
        for (int percent = 0; percent <= xMax; percent += 20) {
            double x = xFor(percent, xMax, px);
            svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\"/>\n",
                    x, py, x, py + PLOT_HEIGHT, percent == 100 ? "#bbb" : "#f3f3f3"));
            svg.append(SvgChart.text(x, py + PLOT_HEIGHT + 16, "middle", 11, percent + "%"));
        }
        svg.append(SvgChart.text(px + PLOT_WIDTH / 2.0, py + PLOT_HEIGHT + 34, "middle", 11,
                "offered load, % of the server's closed-loop rate"));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"11\" "
                + "transform=\"rotate(-90 %d %.1f)\">%s</text>\n", x0 + 14, py + PLOT_HEIGHT / 2.0, x0 + 14, py + PLOT_HEIGHT / 2.0,
                "latency (log scale)"));
        for (int i = 0; i < servers.size(); i++) {
            String server = servers.get(i);
            StringBuilder path = new StringBuilder();
            List<CurvePoint> line = points.stream().filter(p -> p.server().equals(server))
                    .sorted((a, b) -> Integer.compare(a.percent(), b.percent())).toList();
            for (CurvePoint p : line) {
                double v = figure.applyAsDouble(p);
                if (!(v > 0) || Double.isInfinite(v)) {
                    continue;
                }
                double x = xFor(p.percent(), xMax, px);
                double y = yFor(v, lowDecade, highDecade, py);
                path.append(path.length() == 0 ? "M" : " L").append(String.format(Locale.ROOT, "%.1f %.1f", x, y));
                svg.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>\n", x, y,
                        SvgChart.color(i)));
            }
            if (path.length() > 0) {
                svg.append(String.format(Locale.ROOT, "<path data-server=\"%s\" d=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"/>\n",
                        SvgChart.escape(server), path, SvgChart.color(i)));
            }
        }
    }

    private static double xFor(int percent, int xMax, int px) {
        return px + 10 + (PLOT_WIDTH - 20) * percent / (double) xMax;
    }

    /** Log scale: each decade takes the same height. */
    static double yFor(double micros, int lowDecade, int highDecade, int py) {
        double fraction = (Math.log10(micros) - lowDecade) / (highDecade - lowDecade);
        return py + PLOT_HEIGHT - PLOT_HEIGHT * fraction;
    }

    /** {@code 10 µs}, {@code 1 ms}, {@code 10 s}. */
    static String micros(double value) {
        if (value >= 1_000_000) {
            return String.format(Locale.ROOT, "%.0f s", value / 1e6);
        }
        if (value >= 1_000) {
            return String.format(Locale.ROOT, "%.0f ms", value / 1e3);
        }
        return value >= 1 ? String.format(Locale.ROOT, "%.0f µs", value) : String.format(Locale.ROOT, "%.1f µs", value);
    }
}
