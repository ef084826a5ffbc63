package org.nioecho.client.load;

import org.junit.jupiter.api.Test;

import java.nio.channels.Selector;
import java.time.Duration;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The waker ends a real selector's select at the armed deadline, not before, and re-targets when armed earlier. */
class SelectWakerTest {
    private static final long SELECT_BOUND_MS = 10_000;

    @Test
    void wakesTheSelectAtTheDeadlineNotBefore() throws Exception {
        try (Selector selector = Selector.open()) {
            SelectWaker waker = new SelectWaker(selector, "test-waker");
            waker.start();
            try {
                assertWokenAtTheDeadline(selector, waker, "the select timed out: the waker never fired");
            } finally {
                waker.stop();
            }
        }
    }

    /** A waker asleep until a far deadline must be woken to serve an earlier one. */
    @Test
    void anEarlierDeadlineWakesAWakerAsleepUntilALaterOne() throws Exception {
        try (Selector selector = Selector.open()) {
            SelectWaker waker = new SelectWaker(selector, "test-waker");
            waker.start();
            try {
                waker.wakeAt(System.nanoTime() + Duration.ofHours(1).toNanos());
                await().atMost(Duration.ofSeconds(10)).until(() -> waker.state() == Thread.State.TIMED_WAITING);
                assertWokenAtTheDeadline(selector, waker, "the select timed out: the waker slept on towards the later deadline");
            } finally {
                waker.stop();
            }
        }
    }

    @Test
    void stopEndsTheThread() throws Exception {
        try (Selector selector = Selector.open()) {
            SelectWaker waker = new SelectWaker(selector, "test-waker");
            waker.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> waker.state() == Thread.State.WAITING);
            waker.stop();
            assertEquals(Thread.State.TERMINATED, waker.state());
        }
    }

    /** Arms a deadline 2 ms ahead and selects: the waker must end the select at it, not before. */
    private static void assertWokenAtTheDeadline(Selector selector, SelectWaker waker, String ifNeverWoken) throws Exception {
        long deadline = System.nanoTime() + 2_000_000L;
        waker.wakeAt(deadline);
        selector.select(SELECT_BOUND_MS);
        assertTrue(System.nanoTime() - deadline >= 0, "woken before the deadline");
        assertFalse(waker.armed(), ifNeverWoken);
    }
}
