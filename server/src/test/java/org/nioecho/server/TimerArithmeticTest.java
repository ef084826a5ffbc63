package org.nioecho.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The reactor's timer arithmetic, pinned as the pure functions it is: the sweep period of the
 * idle and write timeouts, the sweep period under memory pressure, when the next sweep runs,
 * and the select timeout for the earliest deadline. In-process tests can only bound these from
 * below (a timeout never fires early); here each boundary is exact.
 */
class TimerArithmeticTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long NOW = TimeUnit.HOURS.toNanos(3); // a System.nanoTime() of a machine up for a while

    @Test
    void theSweepRunsEveryQuarterOfTheShorterTimeoutAtLeast10MsAndNotAtAllWhenBothAreOff() {
        assertEquals(0, Reactor.sweepPeriodNanos(0, 0), "both off");
        assertEquals(15_000 * MS, Reactor.sweepPeriodNanos(0, 60_000 * MS), "write timeout alone");
        assertEquals(75 * MS, Reactor.sweepPeriodNanos(300 * MS, 0), "idle timeout alone");
        assertEquals(100 * MS, Reactor.sweepPeriodNanos(1_000 * MS, 400 * MS), "the write timeout is the shorter");
        assertEquals(100 * MS, Reactor.sweepPeriodNanos(400 * MS, 1_000 * MS), "the idle timeout is the shorter");
        assertEquals(10 * MS, Reactor.sweepPeriodNanos(20 * MS, 0), "at least 10 ms");
        assertEquals(11 * MS, Reactor.sweepPeriodNanos(0, 44 * MS), "a quarter just above the floor");
    }

    @Test
    void underPressureTheSweepRunsEveryQuarterOfThePressureTimeoutAtLeast10Ms() {
        assertEquals(250 * MS, Reactor.pressureSweepPeriodNanos(1_000 * MS));
        assertEquals(11 * MS, Reactor.pressureSweepPeriodNanos(44 * MS));
        assertEquals(10 * MS, Reactor.pressureSweepPeriodNanos(20 * MS));
        assertEquals(10 * MS, Reactor.pressureSweepPeriodNanos(0));
    }

    @Test
    void theNextSweepIsOnePeriodOnAndUnderPressureTheShorterPeriod() {
        assertEquals(NOW + 250 * MS, Reactor.nextSweepNanos(NOW, 250 * MS, false, 100 * MS), "no pressure: the sweep period");
        assertEquals(NOW + 25 * MS, Reactor.nextSweepNanos(NOW, 250 * MS, true, 100 * MS), "pressure: its shorter period");
        assertEquals(NOW + 10 * MS, Reactor.nextSweepNanos(NOW, 10 * MS, true, 1_000 * MS), "pressure: the sweep period is shorter");
        assertEquals(NOW + 25 * MS, Reactor.nextSweepNanos(NOW, 0, true, 100 * MS), "both timeouts off: the pressure period");
        assertEquals(NOW + 250 * MS, Reactor.nextSweepNanos(NOW, 0, false, 1_000 * MS), "both off, no pressure: the pressure period");
    }

    @Test
    void theSelectTimeoutWaitsPastTheDeadlineInWholeMillisecondsAndBlocksWithoutOne() {
        assertEquals(0, Reactor.selectTimeoutMillis(Long.MAX_VALUE, NOW), "no deadline: block");
        assertEquals(6, Reactor.selectTimeoutMillis(NOW + 5 * MS + MS / 2, NOW));
        assertEquals(6, Reactor.selectTimeoutMillis(NOW + 5 * MS, NOW));
        assertEquals(2, Reactor.selectTimeoutMillis(NOW + MS, NOW));
        assertEquals(1, Reactor.selectTimeoutMillis(NOW + MS - 1, NOW));
        assertEquals(1, Reactor.selectTimeoutMillis(NOW, NOW), "due now: the shortest wait, not a block");
        assertEquals(1, Reactor.selectTimeoutMillis(NOW - 1_000 * MS, NOW), "overdue: the shortest wait");
        assertEquals(1, Reactor.selectTimeoutMillis(NOW - 2 * MS, NOW), "overdue by whole milliseconds");
    }
}
