package org.nioecho.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The latency-under-load curve ({@code Compare --curve}): each server is driven open loop at
 * fixed fractions of the rate it reached closed loop (ping-pong) on the same cell in the same
 * run, from light load to one step past its closed-loop maximum. Steps go up in load; at each
 * load every server runs once, their order rotated from step to step.
 */
final class CurvePlan {
    /** Offered load, percent of the server's closed-loop rate: light, to the knee, to one step past it. */
    static final List<Integer> PERCENTS = List.of(10, 25, 50, 75, 90, 100, 120);

    /** One open-loop run: a server at a percentage of its own closed-loop rate. */
    record Step(ServerSpec server, int percent) {
    }

    private static final Duration SERVER_START_AND_STOP = Duration.ofMillis(1500);
    private static final Duration CLIENT_START_AND_STOP = Duration.ofMillis(1500);

    private final List<Step> steps;
    private final Cell cell;
    private final Duration warmup;
    private final Duration duration;

    private CurvePlan(List<Step> steps, Cell cell, Duration warmup, Duration duration) {
        this.steps = List.copyOf(steps);
        this.cell = cell;
        this.warmup = warmup;
        this.duration = duration;
    }

    /** The steps for {@code servers} on {@code cell} (its kind is {@link Cell.Kind#RATE}). */
    static CurvePlan of(List<ServerSpec> servers, Cell cell, Duration warmup, Duration duration) {
        Objects.requireNonNull(servers, "servers");
        if (cell.kind() != Cell.Kind.RATE) {
            throw new IllegalArgumentException("the curve runs on a rate cell, not " + cell.label());
        }
        List<Step> steps = new ArrayList<>();
        for (int p = 0; p < PERCENTS.size(); p++) {
            for (int i = 0; i < servers.size(); i++) {
                steps.add(new Step(servers.get((i + p) % servers.size()), PERCENTS.get(p)));
            }
        }
        return new CurvePlan(steps, cell, warmup, duration);
    }

    List<Step> steps() {
        return steps;
    }

    Cell cell() {
        return cell;
    }

    /** The closed-loop cell whose rate the percentages are of: ping-pong on the same connections and size. */
    Cell closedLoopCell() {
        return Cell.pingPong(cell.connections(), cell.sizeBytes());
    }

    /**
     * Messages per second per connection for {@code percent} of {@code closedLoopPerSecond} (the
     * whole server's rate) spread over the cell's connections; NaN if there is no closed-loop rate.
     */
    double ratePerConnection(double closedLoopPerSecond, int percent) {
        if (!(closedLoopPerSecond > 0)) {
            return Double.NaN;
        }
        return closedLoopPerSecond * percent / 100.0 / cell.connections();
    }

    /** A rough forecast of the open-loop steps (the closed-loop runs are in the matrix's plan). */
    Duration estimate() {
        Duration connect = Duration.ofMillis(cell.connections() / 4L); // about 4 connections per ms
        long servers = steps.stream().map(Step::server).distinct().count();
        Duration perStep = CLIENT_START_AND_STOP.plus(connect).plus(warmup).plus(duration);
        return perStep.multipliedBy(steps.size()).plus(SERVER_START_AND_STOP.multipliedBy(servers));
    }
}
