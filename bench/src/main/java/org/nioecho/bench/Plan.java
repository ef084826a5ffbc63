package org.nioecho.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The order of the runs and how long they should take. For every cell, round after round,
 * each server runs once; the servers' order is rotated every round (A B C, B C A, ...), so no
 * server always runs first or last on a cell and slow drift hits all of them alike.
 */
final class Plan {
    /** One run: a server on a cell, in a round (1-based). */
    record Step(ServerSpec server, Cell cell, int round) {
    }

    private static final Duration SERVER_START_AND_STOP = Duration.ofMillis(1500);
    private static final Duration CLIENT_START_AND_STOP = Duration.ofMillis(1500);

    private final List<Step> steps;
    private final Duration warmup;
    private final Duration duration;

    private Plan(List<Step> steps, Duration warmup, Duration duration) {
        this.steps = List.copyOf(steps);
        this.warmup = warmup;
        this.duration = duration;
    }

    static Plan of(List<ServerSpec> servers, List<Cell> cells, int rounds, Duration warmup, Duration duration) {
        Objects.requireNonNull(servers, "servers");
        List<Step> steps = new ArrayList<>();
        for (Cell cell : cells) {
            for (int round = 1; round <= rounds; round++) {
                for (int i = 0; i < servers.size(); i++) {
                    steps.add(new Step(servers.get((i + round - 1) % servers.size()), cell, round));
                }
            }
        }
        return new Plan(steps, warmup, duration);
    }

    List<Step> steps() {
        return steps;
    }

    /** A rough forecast, from start-up costs measured on a busy 2-core machine (slightly pessimistic). */
    Duration estimate() {
        Duration total = Duration.ZERO;
        for (Step step : steps) {
            total = total.plus(estimate(step));
        }
        return total;
    }

    Duration estimate(Step step) {
        Duration connect = Duration.ofMillis(step.cell().connections() / 4L); // about 4 connections per ms
        if (step.cell().kind() == Cell.Kind.IDLE) {
            return SERVER_START_AND_STOP.plus(connect).plus(connect);
        }
        // load cells start each server once per cell, in round 1
        Duration start = step.round() == 1 ? SERVER_START_AND_STOP : Duration.ZERO;
        return start.plus(CLIENT_START_AND_STOP).plus(connect).plus(warmup).plus(duration);
    }

    /** {@code 1 min 05 s}, {@code 42 s}, {@code 800 ms}. */
    static String format(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) {
            return ms + " ms";
        }
        long s = Math.round(ms / 1000.0);
        return s < 60 ? s + " s" : s / 60 + " min " + String.format("%02d", s % 60) + " s";
    }
}
