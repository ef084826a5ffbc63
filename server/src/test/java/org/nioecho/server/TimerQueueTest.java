package org.nioecho.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.SelectionKey;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;

/**
 * The reactor's timer heap on its own (no reactor, no socket: deadlines are plain numbers):
 * entries fire in deadline order, at their deadline and not before, at most so many per turn,
 * across the wrap of {@code System.nanoTime()}; stale entries are purged once the heap has
 * doubled; a timer that throws closes its connection with {@code error} and the rest still fire.
 */
class TimerQueueTest {
    /** A connection that records its timers; armed at one deadline at a time, or none. */
    private static final class Recorder implements PeerConnection {
        final String name;
        final List<String> fired;
        long armedAt = Long.MIN_VALUE;
        boolean failing;
        CloseCause closedWith;

        Recorder(String name, List<String> fired) {
            this.name = name;
            this.fired = fired;
        }

        @Override
        public void timerDue(long atNanos, long nowNanos) {
            fired.add(name + "@" + atNanos);
            if (failing) {
                throw new IllegalStateException("timer of " + name + " fails on purpose");
            }
        }

        @Override
        public boolean timerArmedAt(long atNanos) {
            return atNanos == armedAt;
        }

        @Override
        public void close(CloseCause cause) {
            closedWith = cause;
        }

        @Override
        public String toString() {
            return name;
        }

        @Override
        public void ready(SelectionKey key) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void closeIfIdle(long nowNanos, long idleTimeoutNanos) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void closeIfWriteStalled(long nowNanos, long writeTimeoutNanos) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void beginShutdown() {
            throw new UnsupportedOperationException();
        }

        @Override
        public int budgetNeedBytes() {
            throw new UnsupportedOperationException();
        }

        @Override
        public void resumeAfterBudget() {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean isClosed() {
            return closedWith != null;
        }
    }

    private final List<String> fired = new ArrayList<>();

    @Test
    void firesTheDueEntriesInDeadlineOrderAtTheirDeadlineAndNotBefore() {
        TimerQueue timers = new TimerQueue(16);
        assertTrue(timers.isEmpty());
        assertEquals(Long.MAX_VALUE, timers.nextNanos(), "no deadline");
        timers.schedule(300, new Recorder("a", fired));
        timers.schedule(100, new Recorder("b", fired));
        timers.schedule(200, new Recorder("c", fired));
        assertFalse(timers.isEmpty());
        assertEquals(3, timers.size());
        assertEquals(100, timers.nextNanos(), "the earliest deadline");

        timers.fire(99);
        assertEquals(List.of(), fired, "fired before its deadline");
        timers.fire(100);
        assertEquals(List.of("b@100"), fired, "due at its deadline");
        assertEquals(200, timers.nextNanos());
        timers.fire(1_000);
        assertEquals(List.of("b@100", "c@200", "a@300"), fired);
        assertTrue(timers.isEmpty());
        assertEquals(0, timers.size());
    }

    @Test
    void firesAtMostSoManyEntriesPerTurn() {
        TimerQueue timers = new TimerQueue(3);
        for (int i = 1; i <= 5; i++) {
            timers.schedule(i, new Recorder("t" + i, fired));
        }
        timers.fire(10);
        assertEquals(List.of("t1@1", "t2@2", "t3@3"), fired);
        assertEquals(2, timers.size());
        timers.fire(10);
        assertEquals(List.of("t1@1", "t2@2", "t3@3", "t4@4", "t5@5"), fired);
    }

    /** Deadlines compare by their difference, so the order holds where System.nanoTime() wraps. */
    @Test
    void keepsTheOrderAcrossTheWrapOfTheClock() {
        TimerQueue timers = new TimerQueue(16);
        timers.schedule(Long.MIN_VALUE + 5, new Recorder("after-wrap", fired));
        timers.schedule(Long.MAX_VALUE - 5, new Recorder("before-wrap", fired));
        assertEquals(Long.MAX_VALUE - 5, timers.nextNanos());
        timers.fire(Long.MAX_VALUE - 5);
        assertEquals(List.of("before-wrap@" + (Long.MAX_VALUE - 5)), fired);
        timers.fire(Long.MIN_VALUE + 4);
        assertEquals(1, fired.size(), "fired 1 ns early across the wrap");
        timers.fire(Long.MIN_VALUE + 5);
        assertEquals(2, fired.size());
    }

    @Test
    void aTimerThatThrowsClosesItsConnectionWithErrorAndTheOthersStillFire() {
        TimerQueue timers = new TimerQueue(16);
        Recorder failing = new Recorder("failing", fired);
        failing.failing = true;
        Recorder next = new Recorder("next", fired);
        timers.schedule(1, failing);
        timers.schedule(2, next);
        try (CapturedLog log = new CapturedLog(TimerQueue.class)) {
            timers.fire(2);
            assertEquals(List.of("unexpected failure in the timer of failing"), log.messages(Level.SEVERE));
        }
        assertEquals(CloseCause.ERROR, failing.closedWith);
        assertEquals(List.of("failing@1", "next@2"), fired);
        assertEquals(null, next.closedWith);
    }

    /** Entries no longer armed are purged once the heap reaches 1,024 entries, then once it has doubled. */
    @Test
    void purgesStaleEntriesOnceTheHeapHasDoubled() {
        TimerQueue timers = new TimerQueue(16);
        Recorder stale = new Recorder("stale", fired); // armed at none of its entries
        for (int i = 0; i < 1_023; i++) {
            timers.schedule(1_000 + i, stale);
        }
        assertEquals(1_023, timers.size(), "purged below 1,024 entries");
        Recorder live = new Recorder("live", fired);
        live.armedAt = 5;
        timers.schedule(5, live);
        assertEquals(1_024, timers.size(), "purged before reaching 1,024 entries");
        timers.schedule(6, stale);
        assertEquals(2, timers.size(), "the live entry and the new one: every stale entry purged");
        assertEquals(5, timers.nextNanos());

        // Live entries are kept, and the next purge waits until the heap has doubled.
        List<Recorder> armed = new ArrayList<>();
        for (int i = 0; i < 1_100; i++) {
            Recorder each = new Recorder("armed" + i, fired);
            each.armedAt = 10_000 + i;
            armed.add(each);
            timers.schedule(each.armedAt, each);
        }
        assertEquals(1_101, timers.size(), "the purge at 1,024 entries kept the live ones (and dropped the stale one)");
        for (Recorder each : armed) {
            each.armedAt = Long.MIN_VALUE; // re-armed elsewhere: every one of these entries is stale now
        }
        // That purge left 1,023 entries: the next one comes when the heap holds twice as many.
        for (int i = 0; timers.size() < 2_046 && i < 2_000; i++) {
            int before = timers.size();
            timers.schedule(20_000 + i, stale);
            assertEquals(before + 1, timers.size(), "purged before the heap doubled since the last purge");
        }
        assertEquals(2_046, timers.size());
        timers.schedule(30_000, stale);
        assertEquals(2, timers.size(), "purged once doubled: the live entry and the new one");
    }
}
