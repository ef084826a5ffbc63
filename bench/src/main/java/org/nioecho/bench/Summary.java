package org.nioecho.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * The medians of one server on one cell over its repetitions, and its ratios to the
 * reactor's medians on the same cell (NaN where the reactor has no figure).
 *
 * @param runs     repetitions attempted
 * @param failures repetitions that produced no figures
 * @param errors   errors over all repetitions (the load generator's counts, wrong bytes included)
 */
record Summary(String server, Cell cell, int runs, int failures, String firstFailure,
               double rate, double latencyP50Micros, double latencyP99Micros, double connectP99Millis,
               double cpuSecondsPerOp, double peakRssBytes, int peakThreads, long errors, String errorDetail,
               double held, double bytesPerConnection, double rssWithIdleBytes,
               double rateRatio, double cpuRatio, double rssRatio, boolean cpuFromWholeRun) {

    /** The name of the server every ratio is taken against. */
    static final String BASELINE = "reactor";

    Summary {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(cell, "cell");
    }

    /** Summaries per (cell, server), in the order cells and servers first appear in {@code measurements}. */
    static List<Summary> of(List<Measurement> measurements) {
        Map<Cell, Map<String, List<Measurement>>> byCell = new LinkedHashMap<>();
        for (Measurement m : measurements) {
            byCell.computeIfAbsent(m.cell(), c -> new LinkedHashMap<>()).computeIfAbsent(m.server(), s -> new ArrayList<>()).add(m);
        }
        List<Summary> summaries = new ArrayList<>();
        for (Map.Entry<Cell, Map<String, List<Measurement>>> cell : byCell.entrySet()) {
            List<Measurement> baseline = cell.getValue().getOrDefault(BASELINE, List.of());
            for (Map.Entry<String, List<Measurement>> server : cell.getValue().entrySet()) {
                summaries.add(summarize(server.getKey(), cell.getKey(), server.getValue(), baseline));
            }
        }
        return summaries;
    }

    private static Summary summarize(String server, Cell cell, List<Measurement> runs, List<Measurement> baseline) {
        List<Measurement> ok = runs.stream().filter(Measurement::ok).toList();
        List<Measurement> baseOk = baseline.stream().filter(Measurement::ok).toList();
        String firstFailure = runs.stream().filter(m -> !m.ok()).map(Measurement::failure).findFirst().orElse(null);
        long errors = runs.stream().mapToLong(Measurement::errors).sum();
        String detail = String.join("; ", runs.stream().map(Measurement::errorDetail).filter(d -> !d.isEmpty()).distinct().toList());
        double rate = median(ok, Measurement::rate);
        double cpu = median(ok, Measurement::cpuSecondsPerOp);
        double rss = median(ok, m -> m.peakRssBytes());
        int threads = ok.stream().mapToInt(Measurement::peakThreads).max().orElse(0);
        return new Summary(server, cell, runs.size(), runs.size() - ok.size(), firstFailure,
                rate, median(ok, Measurement::latencyP50Micros), median(ok, Measurement::latencyP99Micros),
                median(ok, Measurement::connectP99Millis), cpu, rss, threads, errors, detail,
                median(ok, m -> m.held()), median(ok, Measurement::bytesPerConnection), median(ok, m -> m.rssAfterBytes()),
                rate / median(baseOk, Measurement::rate), cpu / median(baseOk, Measurement::cpuSecondsPerOp),
                rss / median(baseOk, m -> m.peakRssBytes()),
                ok.stream().anyMatch(m -> "whole run".equals(m.cpuMethod())));
    }

    /** The median of the non-NaN values, NaN if there are none. */
    static double median(List<Measurement> runs, ToDoubleFunction<Measurement> figure) {
        double[] values = runs.stream().mapToDouble(figure).filter(v -> !Double.isNaN(v)).sorted().toArray();
        return median(values);
    }

    static double median(double[] sorted) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        double[] values = sorted.clone();
        Arrays.sort(values);
        int mid = values.length / 2;
        return values.length % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }

    boolean ok() {
        return failures < runs;
    }
}
