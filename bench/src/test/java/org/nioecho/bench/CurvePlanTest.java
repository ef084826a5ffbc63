package org.nioecho.bench;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The latency curve's plan: its steps and the open-loop rates taken from a closed-loop result. */
class CurvePlanTest {
    private static ServerSpec server(String name) {
        return new ServerSpec(name, name, List.of("true"), null);
    }

    private static CurvePlan plan(String... servers) {
        return CurvePlan.of(List.of(servers).stream().map(CurvePlanTest::server).toList(), Cell.rate(1000, 64),
                Duration.ofSeconds(1), Duration.ofSeconds(5));
    }

    @Test
    void stepsRiseFromTenToAHundredPercentThenOnePastIt() {
        assertEquals(List.of(10, 25, 50, 75, 90, 100), CurvePlan.PERCENTS.subList(0, CurvePlan.PERCENTS.size() - 1));
        int last = CurvePlan.PERCENTS.get(CurvePlan.PERCENTS.size() - 1);
        assertTrue(last > 100 && last <= 150, "one step past the closed-loop maximum: " + last);
    }

    @Test
    void ratesPerConnectionAreTheClosedLoopRateSharedOverTheConnections() {
        CurvePlan plan = plan("reactor");
        // 120,000 msg/s closed loop over 1000 connections: 100 % is 120 msg/s on each
        List<Double> rates = CurvePlan.PERCENTS.stream().map(p -> plan.ratePerConnection(120_000, p)).toList();
        assertEquals(List.of(12.0, 30.0, 60.0, 90.0, 108.0, 120.0, 144.0), rates);
        assertTrue(Double.isNaN(plan.ratePerConnection(Double.NaN, 50)), "no closed-loop rate, no step");
        assertTrue(Double.isNaN(plan.ratePerConnection(0, 50)), "a closed loop that moved nothing gives no rate");
        assertEquals(Cell.pingPong(1000, 64), plan.closedLoopCell());
    }

    @Test
    void everyServerRunsOncePerStepInARotatedOrderAndLoadOnlyRises() {
        CurvePlan plan = plan("a", "b", "c");
        assertEquals(3 * CurvePlan.PERCENTS.size(), plan.steps().size());
        List<String> firstThree = plan.steps().subList(0, 6).stream().map(s -> s.server().name() + s.percent()).toList();
        assertEquals(List.of("a10", "b10", "c10", "b25", "c25", "a25"), firstThree);
        for (int i = 1; i < plan.steps().size(); i++) {
            assertTrue(plan.steps().get(i).percent() >= plan.steps().get(i - 1).percent(), "load never drops: " + plan.steps());
        }
        assertTrue(plan.estimate().compareTo(Duration.ofSeconds(6).multipliedBy(plan.steps().size())) >= 0, plan.estimate().toString());
    }

    @Test
    void onlyARateCellMakesACurve() {
        assertThrows(IllegalArgumentException.class,
                () -> CurvePlan.of(List.of(server("a")), Cell.pingPong(1000, 64), Duration.ZERO, Duration.ofSeconds(1)));
    }
}
