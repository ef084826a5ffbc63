package org.nioecho.bench;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SummaryTest {
    static Measurement run(String server, Cell cell, int round, double rate, double cpuMicros, long rssBytes, long errors) {
        return new Measurement(server, cell, round, null, rate, 100, 900, 2, cpuMicros / 1e6, "window", rssBytes, 20,
                errors, errors > 0 ? "reset=" + errors : "", 0, 0, 0);
    }

    @Test
    void takesMediansAndRatiosToTheReactor() {
        Cell cell = Cell.pingPong(100, 64);
        List<Measurement> runs = List.of(
                run("reactor", cell, 1, 100, 10, 50 << 20, 0),
                run("netty-epoll", cell, 1, 90, 12, 80 << 20, 0),
                run("reactor", cell, 2, 300, 8, 52 << 20, 0),
                run("netty-epoll", cell, 2, 60, 20, 82 << 20, 1),
                run("reactor", cell, 3, 200, 9, 51 << 20, 0),
                Measurement.failed("netty-epoll", cell, 3, "server did not start"));
        List<Summary> summaries = Summary.of(runs);
        assertEquals(2, summaries.size());
        Summary reactor = summaries.get(0);
        Summary netty = summaries.get(1);
        assertEquals("reactor", reactor.server());
        assertEquals(200, reactor.rate());
        assertEquals(9e-6, reactor.cpuSecondsPerOp(), 1e-12);
        assertEquals(1.0, reactor.rateRatio());
        assertEquals(75, netty.rate(), "the median of the two runs that worked");
        assertEquals(75 / 200.0, netty.rateRatio(), 1e-9);
        assertEquals(16 / 9.0, netty.cpuRatio(), 1e-9);
        assertEquals(3, netty.runs());
        assertEquals(1, netty.failures());
        assertEquals("server did not start", netty.firstFailure());
        assertEquals(1, netty.errors());
        assertTrue(netty.ok());
    }

    @Test
    void medianIgnoresMissingFiguresAndHasNoneWithoutAny() {
        assertEquals(2.5, Summary.median(new double[] {4, 1, 3, 2}));
        assertEquals(3, Summary.median(new double[] {5, 1, 3}));
        assertTrue(Double.isNaN(Summary.median(new double[0])));
        Cell cell = Cell.pingPong(1, 64);
        Summary onlyFailures = Summary.of(List.of(Measurement.failed("blocking", cell, 1, "x"))).get(0);
        assertTrue(Double.isNaN(onlyFailures.rate()));
        assertTrue(Double.isNaN(onlyFailures.rateRatio()), "no reactor, no ratio");
        assertEquals(false, onlyFailures.ok());
    }
}
