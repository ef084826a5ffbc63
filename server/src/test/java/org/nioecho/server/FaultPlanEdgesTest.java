package org.nioecho.server;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The edges of {@link FaultPlan#draw}: probability 1 always applies and takes nothing from
 * the seeded generator (adding such a fault does not change which connections the others
 * draw), probability 0 never applies, even when the generator yields exactly 0; and the plan
 * reports the specs in force.
 */
class FaultPlanEdgesTest {
    /** SplittableRandom's first nextDouble() is exactly 0.0 for this seed: its first state is 0, and mix64(0) = 0. */
    private static final long SEED_DRAWING_ZERO = -0x9e3779b97f4a7c15L;

    @Test
    void aFaultThatAlwaysAppliesLeavesTheOthersDrawsAsTheyWere() {
        FaultPlan alone = new FaultPlan(FaultSpecs.parseLines("blackhole:probability=0.5\n"), 42);
        FaultPlan withCertain = new FaultPlan(FaultSpecs.parseLines("latency:delay=1ms\nblackhole:probability=0.5\n"), 42);
        List<Boolean> aloneDraws = new ArrayList<>();
        List<Boolean> withCertainDraws = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            aloneDraws.add(!alone.draw().isEmpty());
            List<FaultSpec> drawn = withCertain.draw();
            assertEquals(FaultKind.LATENCY, drawn.get(0).kind(), "probability 1: every connection");
            withCertainDraws.add(drawn.size() == 2);
        }
        assertEquals(aloneDraws, withCertainDraws);
    }

    @Test
    void probabilityZeroNeverAppliesEvenWhenTheGeneratorYieldsZero() {
        assertEquals(0.0, new SplittableRandom(SEED_DRAWING_ZERO).nextDouble(), "the premise");
        FaultPlan plan = new FaultPlan(FaultSpecs.parseLines("reset:after=1,probability=0\n"), SEED_DRAWING_ZERO);
        assertEquals(List.of(), plan.draw());
    }

    @Test
    void theSpecsInForceAreThoseGivenThenThoseThatReplacedThem() {
        List<FaultSpec> first = FaultSpecs.parseLines("reset:after=1KiB\nblackhole\n");
        FaultPlan plan = new FaultPlan(first, 1);
        assertEquals(first, plan.specs());
        List<FaultSpec> second = FaultSpecs.parseLines("latency:delay=5ms\n");
        plan.replace(second);
        assertEquals(second, plan.specs());
    }
}
