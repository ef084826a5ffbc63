package org.nioecho.server;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 8, defect 3: every option value out of range is refused before anything starts:
 * one line naming the option, then the usage, exit code 2, no stack trace, and no
 * "listening" line (before, {@code --idle-timeout 3000000h} overflowed at start-up,
 * {@code --drain-timeout 3000000h} skipped the drain and {@code --metrics-port 70000}
 * failed after the echo server had started).
 */
class OptionRangeTest {
    static Stream<List<String>> outOfRange() {
        return Stream.of(
                List.of("--bind", "nosuchhost.invalid"),
                List.of("--pressure-write-timeout", "3000000h"),
                List.of("--port", "70000"),
                List.of("--port", "-1"),
                List.of("--backlog", "0"),
                List.of("--max-connections", "0"),
                List.of("--metrics-port", "70000"),
                List.of("--metrics-port", "-1"),
                List.of("--admin-port", "70000"),
                List.of("--admin-port", "-1"),
                List.of("--live-timeout", "0"),
                List.of("--live-timeout", "50ms"),
                List.of("--live-timeout", "25h"),
                List.of("--fault", "resett:after=1KiB"),
                List.of("--fault", "latency"),
                List.of("--fault", "slice:size=0..16"),
                List.of("--fault", "blackhole:probability=2"),
                List.of("--fault", "reset:after=1KiB", "--fault", "close:after=soon"),
                List.of("--fault-seed", "lucky"),
                List.of("--idle-timeout", "3000000h"),
                List.of("--idle-timeout", "25h"),
                List.of("--accept-backoff", "3000000h"),
                List.of("--accept-backoff", "0"),
                List.of("--drain-timeout", "3000000h"),
                List.of("--drain-timeout", "99999999999999999999h"),
                List.of("--write-timeout", "3000000h"),
                List.of("--write-timeout", "9223372036854775807h"),
                List.of("--high-water", "0"),
                List.of("--high-water", "3GiB"),
                List.of("--low-water", "64KiB"),
                List.of("--read-buffer", "32"),
                List.of("--read-buffer", "4GiB"),
                List.of("--send-buffer", "-1"),
                List.of("--send-buffer", "2GiB"),
                List.of("--max-output-memory", "32KiB"),
                List.of("--max-output-memory", "2048GiB"),
                List.of("--max-output-memory", "99999999999999999999"),
                List.of("--udp-rate", "-1", "--udp"),
                List.of("--udp-rate", "100000001", "--udp"),
                List.of("--udp-rate", "10"),
                List.of("--udp", "--tls"),
                List.of("--tls-listen", "127.0.0.1"),
                List.of("--tls-listen", "127.0.0.1:99999"),
                List.of("--tls-listen", "127.0.0.1:9443", "--inherited"),
                List.of("--reactors", "0"),
                List.of("--reactors", "257"),
                List.of("--reactors", "many"),
                List.of("--max-output-memory", "128KiB", "--reactors", "4"));
    }

    @ParameterizedTest
    @MethodSource("outOfRange")
    void outOfRangeValueIsOneLineBeforeAnythingStartsAndExitCode2(List<String> args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine command = EchoServerCommand.commandLine();
        command.setOut(new PrintWriter(out, true));
        command.setErr(new PrintWriter(err, true));
        java.util.logging.Logger nioecho = java.util.logging.Logger.getLogger(Logging.ROOT);
        java.util.logging.Level level = nioecho.getLevel(); // the command sets it from --log-level
        int exitCode;
        try {
            exitCode = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> command.execute(args.toArray(String[]::new)));
        } finally {
            nioecho.setLevel(level);
        }
        String[] lines = err.toString().split("\n");
        assertEquals(2, exitCode, args + ": " + err);
        assertTrue(lines[0].startsWith("Invalid value for option '" + args.get(0) + "'"), args + ": " + lines[0]);
        assertTrue(lines.length > 1 && lines[1].startsWith("Usage: echo-server"), "one line, then the usage: " + err);
        assertTrue(!err.toString().contains("Exception") && !err.toString().contains("\tat "), "no stack trace: " + err);
        assertEquals("", out.toString(), "nothing started");
    }
}
