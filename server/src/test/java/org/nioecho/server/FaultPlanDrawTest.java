package org.nioecho.server;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 11: {@code probability=P} and {@code --fault-seed}: over many draws a spec applies to a
 * share of connections within binomial bounds, the same seed draws the same connections, and
 * a replaced set applies from the next draw. The jitters and slice sizes draw from a stream of
 * their own, one per seed.
 */
class FaultPlanDrawTest {
    private static final int DRAWS = 1000;

    @Test
    void probabilityTenthAppliesToATenthWithinBinomialBounds() {
        FaultPlan plan = new FaultPlan(List.of(FaultSpecs.parse("blackhole:probability=0.1")), 42);
        int hits = 0;
        for (int i = 0; i < DRAWS; i++) {
            hits += plan.draw().size();
        }
        // n = 1000, p = 0.1: mean 100, sigma = sqrt(n p (1 - p)) = 9.49; 4.5 sigma is about 43
        assertTrue(Math.abs(hits - 100) <= 43, hits + " of " + DRAWS + " draws");
    }

    @Test
    void specsDrawIndependentlyEachWithItsOwnProbability() {
        FaultPlan plan = new FaultPlan(FaultSpecs.parseLines("blackhole:probability=0.1\nlatency:delay=1ms\n"
                + "reset:after=1,probability=0.5\nclose:after=1,probability=0\n"), 7);
        int[] counts = new int[FaultKind.values().length];
        for (int i = 0; i < DRAWS; i++) {
            for (FaultSpec spec : plan.draw()) {
                counts[spec.kind().ordinal()]++;
            }
        }
        assertTrue(Math.abs(counts[FaultKind.BLACKHOLE.ordinal()] - 100) <= 43, "blackhole " + counts[FaultKind.BLACKHOLE.ordinal()]);
        assertEquals(DRAWS, counts[FaultKind.LATENCY.ordinal()], "probability 1: every connection");
        // p = 0.5: sigma = 15.8, 4.5 sigma about 71
        assertTrue(Math.abs(counts[FaultKind.RESET.ordinal()] - 500) <= 71, "reset " + counts[FaultKind.RESET.ordinal()]);
        assertEquals(0, counts[FaultKind.CLOSE.ordinal()], "probability 0: none");
    }

    @Test
    void theSameSeedDrawsTheSameConnections() {
        assertEquals(pattern(42), pattern(42));
        assertTrue(!pattern(42).equals(pattern(43)), "another seed, other connections");
    }

    @Test
    void aReplacedSetAppliesFromTheNextDraw() {
        FaultPlan plan = new FaultPlan(List.of(FaultSpecs.parse("reset:after=1KiB")), 1);
        assertEquals("reset:after=1KiB", plan.draw().get(0).text());
        plan.replace(FaultSpecs.parseLines("latency:delay=5ms\nblackhole\n"));
        assertEquals(List.of("latency:delay=5ms", "blackhole"), plan.draw().stream().map(FaultSpec::text).toList());
        plan.replace(List.of());
        assertTrue(plan.isEmpty());
        assertEquals(List.of(), plan.draw());
    }

    @Test
    void everySeedGivesTheJittersAStreamOfItsOwnApartFromTheDraws() {
        Set<Long> derived = new HashSet<>();
        List<Long> seeds = new ArrayList<>(List.of(Long.MIN_VALUE, -1L, Long.MAX_VALUE, 0x5DEECE66DL));
        for (long seed = 0; seed < 1024; seed++) {
            seeds.add(seed);
        }
        for (long seed : seeds) {
            long jitterSeed = Reactor.faultRandomSeed(seed);
            assertTrue(derived.add(jitterSeed), "seed " + seed + " shares its jitter stream with another seed");
            assertNotEquals(seed, jitterSeed, "seed " + seed + ": the jitters would repeat the draws");
        }
    }

    private static List<Boolean> pattern(long seed) {
        FaultPlan plan = new FaultPlan(List.of(FaultSpecs.parse("blackhole:probability=0.1")), seed);
        List<Boolean> drawn = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            drawn.add(!plan.draw().isEmpty());
        }
        return drawn;
    }
}
