package org.nioecho.bench;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PlanTest {
    private static ServerSpec server(String name) {
        return new ServerSpec(name, name, List.of("true"), null);
    }

    @Test
    void interleavesServersAndRotatesTheirOrderEveryRound() {
        List<ServerSpec> servers = List.of(server("a"), server("b"), server("c"));
        List<Cell> cells = List.of(Cell.pingPong(1, 64), Cell.pingPong(100, 64));
        Plan plan = Plan.of(servers, cells, 3, Duration.ofSeconds(1), Duration.ofSeconds(3));
        List<String> order = plan.steps().stream().map(s -> s.server().name() + s.round()).toList();
        assertEquals(List.of("a1", "b1", "c1", "b2", "c2", "a2", "c3", "a3", "b3",
                "a1", "b1", "c1", "b2", "c2", "a2", "c3", "a3", "b3"), order);
        assertEquals(cells.get(0), plan.steps().get(8).cell());
        assertEquals(cells.get(1), plan.steps().get(9).cell());
    }

    @Test
    void estimatesEveryRunAndFormatsDurations() {
        Plan plan = Plan.of(List.of(server("a")), List.of(Cell.pingPong(1, 64)), 2, Duration.ofSeconds(1), Duration.ofSeconds(3));
        assertTrue(plan.estimate().compareTo(Duration.ofSeconds(8)) >= 0, plan.estimate().toString());
        assertEquals("800 ms", Plan.format(Duration.ofMillis(800)));
        assertEquals("42 s", Plan.format(Duration.ofSeconds(42)));
        assertEquals("14 min 05 s", Plan.format(Duration.ofSeconds(845)));
    }
}
