package org.nioecho.bench;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line of Compare: bad input, missing jars and --plan, without running any load. */
class CompareCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = new CommandLine(new Compare()).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    private String[] withJars(String... args) {
        Path self = Path.of("pom.xml").toAbsolutePath(); // any existing file stands in for the jars in these tests
        String[] all = new String[args.length + 6];
        all[0] = "--server-jar=" + self;
        all[1] = "--client-jar=" + self;
        all[2] = "--bench-jar=" + self;
        all[3] = "--servers=reactor,netty-epoll";
        all[4] = "--out=target/compare-command-test";
        all[5] = "--plan";
        System.arraycopy(args, 0, all, 6, args.length);
        return all;
    }

    @Test
    void badInputIsOneLinePlusUsageAndExitTwo() {
        for (String[] args : new String[][] {
            {"--repeat", "0"}, {"--servers", "nginx"}, {"--external", "no-equals-sign"}, {"--external", "reactor=cat"},
            {"--duration", "soon"}, {"--connections", "0"}, {"--sizes", "big"}, {"--servers", "netty-kqueue"},
            {"--servers", "netty-epoll-0"}, {"--external", "netty-epoll-2=cat"}, {"--curve", "--curve-connections", "0"},
            {"--curve", "--curve-size", "0"}, {"--curve", "--curve-duration", "1ms"}, {"--tls", "--tls-servers", "stunnel"},
            {"--tls-only", "--tls-handshake-connections", "0"}, {"--tls", "--tls-stream-connections", "65"},
            {"--tls", "--tls-duration", "1ms"}}) {
            out.getBuffer().setLength(0);
            err.getBuffer().setLength(0);
            assertEquals(2, run(withJars(args)), String.join(" ", args) + ": " + err);
            String first = err.toString().lines().findFirst().orElse("");
            assertTrue(first.startsWith("Invalid value") || first.startsWith("Unknown") || first.contains("Invalid"),
                    String.join(" ", args) + ": " + err);
            assertTrue(err.toString().contains("Usage: compare"), err.toString());
            assertFalse(err.toString().contains("\tat "), "no stack trace: " + err);
        }
    }

    @Test
    void missingJarsAreOneLineAndExitThree() {
        assertEquals(3, run("--server-jar=/nonexistent/echo-server.jar", "--client-jar=/nonexistent/echo-client.jar", "--plan"));
        assertTrue(err.toString().startsWith("compare: missing /nonexistent/echo-server.jar, /nonexistent/echo-client.jar"), err.toString());
        assertEquals(1, err.toString().lines().count(), err.toString());
    }

    @Test
    void planListsEveryRunInterleavedAndTheExpectedTime() {
        assertEquals(0, run(withJars("--connections=1,100", "--sizes=64", "--repeat=2", "--churn-connections=0", "--idle-connections=10")));
        assertTrue(err.toString().startsWith("compare: 12 runs (2 servers x 3 cells x 2 rounds)"), err.toString());
        assertTrue(err.toString().contains("expected to take about"), err.toString());
        assertEquals(12, out.toString().lines().count(), out.toString());
        assertTrue(out.toString().lines().findFirst().orElse("").startsWith("reactor\tpingpong 1 × 64 B\tround 1"), out.toString());
    }

    @Test
    void quickIsOneSmallCellPerServer() {
        assertEquals(0, run(withJars("--quick")));
        assertEquals(2, out.toString().lines().count(), out.toString());
        assertTrue(out.toString().contains("pingpong 100 × 64 B"), out.toString());
    }

    @Test
    void curveAddsItsClosedLoopCellAndListsEveryStep() {
        assertEquals(0, run(withJars("--quick", "--curve", "--curve-connections=1000")));
        assertTrue(err.toString().startsWith("compare: 4 runs (2 servers x 2 cells x 1 rounds)"), err.toString());
        assertTrue(err.toString().contains("then the latency curve, 14 open-loop runs (2 servers x 7 steps) on rate 1000 × 64 B"),
                err.toString());
        List<String> lines = out.toString().lines().toList();
        assertEquals(4 + 14, lines.size(), out.toString());
        assertTrue(lines.get(0).startsWith("reactor\tpingpong 1000 × 64 B\t"), "the closed-loop cell comes first: " + lines);
        assertEquals("reactor\trate 1000 × 64 B\t10 %", lines.get(4));
        assertEquals("netty-epoll\trate 1000 × 64 B\t120 %", lines.get(lines.size() - 1), "rotated: " + lines);
    }

    @Test
    void parameterisedContendersAreAccepted() {
        assertEquals(0, run(withJars("--quick", "--servers=netty-epoll-2,netty-io_uring-2,netty-nio")));
        assertTrue(out.toString().contains("netty-epoll-2\tpingpong 100 × 64 B"), out.toString() + err);
    }

    @Test
    void helpListsTheExitCodes() {
        assertEquals(0, run("--help"));
        assertTrue(out.toString().contains("Exit codes:") && out.toString().contains("3   cannot run"), out.toString());
    }
}
