package org.nioecho.server;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line's exit codes and messages, in this JVM (no server is started for these). */
class CommandLineInProcessTest {
    private record Run(int exitCode, String out, String err) {
    }

    private static Run run(String... args) {
        CommandLine command = EchoServerCommand.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        command.setOut(new PrintWriter(out));
        command.setErr(new PrintWriter(err));
        int exitCode = command.execute(args);
        return new Run(exitCode, out.toString(), err.toString());
    }

    @Test
    void badValuesAreExitCode2WithOneLineNamingTheOption() {
        String[][] cases = {{"--idle-timeout", "soon"}, {"--low-water", "lots"}, {"--high-water", "8g"},
                {"--read-buffer", "x"}, {"--accept-backoff", "never"}, {"--drain-timeout", "forever"},
                {"--log-level", "loud"}};
        for (String[] args : cases) {
            Run run = run(args);
            assertEquals(2, run.exitCode(), String.join(" ", args) + ": " + run.err());
            String first = run.err().lines().findFirst().orElse("");
            assertTrue(first.contains("Invalid value for option '" + args[0] + "'"), first);
            assertTrue(run.err().contains("Usage: echo-server"), run.err());
        }
    }

    @Test
    void inconsistentMarksAreExitCode2() {
        Run run = run("--low-water", "64KiB", "--high-water", "32KiB");
        assertEquals(2, run.exitCode(), run.err());
        assertTrue(run.err().startsWith("Invalid value for option '--low-water': '64KiB' must be below the high-water mark (32KiB)"),
                run.err());
    }

    @Test
    void helpAndVersionAreExitCode0OnStdout() {
        Run help = run("--help");
        assertEquals(0, help.exitCode());
        assertTrue(help.out().contains("--drain-timeout"), help.out());
        assertEquals("", help.err());
        Run version = run("--version");
        assertEquals(0, version.exitCode());
        assertTrue(version.out().startsWith("nioecho echo-server "), version.out());
    }
}
