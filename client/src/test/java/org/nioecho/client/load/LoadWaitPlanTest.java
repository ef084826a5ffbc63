package org.nioecho.client.load;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * How the worker waits for its next event ({@link LoadWorker#planWait}): {@code > 0} select
 * that many ms, {@code < 0} select until the waker wakes it that many ns from now, {@code 0}
 * poll. Pure arithmetic, no clock.
 */
class LoadWaitPlanTest {
    private static final long MS = 1_000_000L;
    private static final long SLACK = LoadWorker.SELECT_SLACK_NANOS;

    @Test
    void farFromARateSendItSelectsWholeMillisecondsEndingAtLeastTheSlackEarly() {
        // 3.7 ms - 0.25 ms = 3.45 ms: floored to 3, never rounded up (that made sends 0-1 ms late)
        assertEquals(3, LoadWorker.planWait(3_700_000L, true));
        assertEquals(1, LoadWorker.planWait(MS + SLACK, true));
    }

    /** Echo owed or not: the select sees it come, so nothing spins while it is owed (a poll here did, a park missed it). */
    @Test
    void inTheLastStretchItSelectsUntilTheWakerWakesItWhenTheSlackIsLeft() {
        assertEquals(-(1_200_000L - SLACK), LoadWorker.planWait(1_200_000L, true));
        assertEquals(-1, LoadWorker.planWait(SLACK + 1, true));
        assertEquals(-(MS - 1), LoadWorker.planWait(MS + SLACK - 1, true), "the wakeup always comes before the select's 1 ms timeout");
    }

    @Test
    void withinTheSlackItPolls() {
        assertEquals(0, LoadWorker.planWait(200_000L, true));
        assertEquals(0, LoadWorker.planWait(SLACK, true));
        assertEquals(0, LoadWorker.planWait(0, true));
    }

    @Test
    void otherWaitsSelectRoundedUpAndDueEventsPoll() {
        assertEquals(4, LoadWorker.planWait(3_200_000L, false));
        assertEquals(1, LoadWorker.planWait(200_000L, false));
        assertEquals(0, LoadWorker.planWait(0, false));
    }
}
