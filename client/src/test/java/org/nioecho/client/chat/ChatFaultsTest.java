package org.nioecho.client.chat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.nioecho.client.ClientProcess;
import org.nioecho.client.ExitCodes;
import org.nioecho.server.EchoServer;
import org.nioecho.server.FaultKind;
import org.nioecho.server.FaultSpec;
import org.nioecho.server.ServerConfig;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 11: {@code chat} as a real process against a server with an injected fault lands
 * on the exit code and one clear line each fault stands for (reset 5, close and limit 4,
 * blackhole and stall 7 with {@code --timeout}; the delaying faults still echo everything, 0).
 */
class ChatFaultsTest {
    private static final Duration EXIT_WAIT = Duration.ofSeconds(20);
    private static final String LINE = "hello fault injection\n"; // 22 bytes

    @TempDir
    Path dir;

    private static FaultSpec spec(FaultKind kind, long afterBytes, long limitBytes, long delayNanos, long rate,
                                  int sliceMin, int sliceMax, String text) {
        return new FaultSpec(kind, afterBytes, afterBytes < 0 ? 0 : -1, limitBytes, delayNanos, 0, rate, sliceMin, sliceMax, 1, text);
    }

    /** Runs chat with {@code LINE} typed and stdin left open (or closed), returns exit code, stdout, stderr. */
    private Run chat(FaultSpec fault, boolean closeInput, String... extraArgs) throws Exception {
        ServerConfig config = ServerConfig.builder().port(0).faults(List.of(fault)).faultSeed(11).build();
        try (EchoServer server = EchoServer.start(config)) {
            String[] args = new String[2 + extraArgs.length];
            args[0] = "--port";
            args[1] = Integer.toString(server.address().getPort());
            System.arraycopy(extraArgs, 0, args, 2, extraArgs.length);
            try (ClientProcess client = ClientProcess.start(dir, null, null, args)) {
                client.type(LINE);
                if (closeInput) {
                    client.stdin().close();
                }
                assertTrue(client.awaitExit(EXIT_WAIT), "client did not end: " + client.describe());
                String out = new String(client.stdout().readAllBytes(), StandardCharsets.UTF_8);
                Run run = new Run(client.exitCode(), out, client.stderrLines());
                System.out.println("[" + fault.text() + "] exit " + run.exitCode() + ", stdout " + out.length()
                        + " bytes, stderr: " + run.stderr());
                return run;
            }
        }
    }

    private record Run(int exitCode, String stdout, List<String> stderr) {
    }

    private static void assertOneLine(Run run, String words) {
        assertEquals(1, run.stderr().size(), "one line: " + run.stderr());
        assertTrue(run.stderr().get(0).contains(words), run.stderr().get(0));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void resetIsExitFive() throws Exception {
        Run run = chat(spec(FaultKind.RESET, 5, 0, 0, 0, 0, 0, "reset:after=5"), false);
        assertEquals(ExitCodes.RESET, run.exitCode());
        assertEquals("hello", run.stdout(), "exactly the bytes before the reset");
        assertOneLine(run, "connection reset");
    }

    /**
     * A reset while the writer is still sending: the reader and the writer race for the
     * kernel's one ECONNRESET, and the loser's write gets EPIPE; the run must still say reset.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void resetWhileStillWritingIsExitFiveNotBrokenPipeOrEof() throws Exception {
        whileStillWriting(spec(FaultKind.RESET, 1024, 0, 0, 0, 0, 0, "reset:after=1KiB"), ExitCodes.RESET, "connection reset");
    }

    /** After the server's FIN, its RST makes the writer's next write EPIPE: the run must still say EOF. */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void closeWhileStillWritingIsExitFourNotBrokenPipe() throws Exception {
        whileStillWriting(spec(FaultKind.CLOSE, 1024, 0, 0, 0, 0, 0, "close:after=1KiB"), ExitCodes.PREMATURE_EOF,
                "server terminated prematurely");
    }

    /**
     * 1 MiB of input, so the writer is still sending when the fault strikes: the reader and
     * the writer race for the kernel's one pending error, eight runs.
     */
    private void whileStillWriting(FaultSpec fault, int exitCode, String words) throws Exception {
        java.io.File input = dir.resolve("input.bin").toFile();
        java.nio.file.Files.write(input.toPath(), new byte[1 << 20]);
        ServerConfig config = ServerConfig.builder().port(0).faults(List.of(fault)).build();
        try (EchoServer server = EchoServer.start(config)) {
            for (int run = 0; run < 8; run++) {
                try (ClientProcess client = ClientProcess.start(dir, input, null,
                        "--port", Integer.toString(server.address().getPort()))) {
                    byte[] out = client.stdout().readAllBytes();
                    assertTrue(client.awaitExit(EXIT_WAIT), "client did not end: " + client.describe());
                    assertEquals(exitCode, client.exitCode(), "run " + run + ": " + client.stderrLines());
                    if (exitCode == ExitCodes.RESET) {
                        // the RST can reach the client's kernel before the reader has taken the
                        // echo, and the kernel then drops what was still queued (exactly 1 KiB
                        // reaches a peer that reads: FaultInjectionTest)
                        assertTrue(out.length <= 1024, out.length + " bytes");
                    } else {
                        assertEquals(1024, out.length);
                    }
                    assertOneLine(new Run(client.exitCode(), "", client.stderrLines()), words);
                }
            }
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void closeIsExitFour() throws Exception {
        Run run = chat(spec(FaultKind.CLOSE, 5, 0, 0, 0, 0, 0, "close:after=5"), false);
        assertEquals(ExitCodes.PREMATURE_EOF, run.exitCode());
        assertEquals("hello", run.stdout());
        assertOneLine(run, "server terminated prematurely");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void limitIsExitFour() throws Exception {
        Run run = chat(spec(FaultKind.LIMIT, 0, 5, 0, 0, 0, 0, "limit:bytes=5"), false);
        assertEquals(ExitCodes.PREMATURE_EOF, run.exitCode());
        assertEquals("hello", run.stdout());
        assertOneLine(run, "server terminated prematurely");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void blackholeIsExitSevenWithTimeout() throws Exception {
        Run run = chat(spec(FaultKind.BLACKHOLE, 0, 0, 0, 0, 0, 0, "blackhole"), false, "--timeout", "1s");
        assertEquals(ExitCodes.TIMED_OUT, run.exitCode());
        assertEquals("", run.stdout());
        assertOneLine(run, "timed out");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void stallIsExitSevenWithTimeout() throws Exception {
        Run run = chat(spec(FaultKind.STALL, 5, 0, 0, 0, 0, 0, "stall:after=5"), false, "--timeout", "1s");
        assertEquals(ExitCodes.TIMED_OUT, run.exitCode());
        assertEquals("hello", run.stdout());
        assertOneLine(run, "timed out");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void delayingFaultsStillEchoEverything() throws Exception {
        long ms = TimeUnit.MILLISECONDS.toNanos(1);
        for (FaultSpec fault : List.of(
                spec(FaultKind.LATENCY, 0, 0, 200 * ms, 0, 0, 0, "latency:delay=200ms"),
                spec(FaultKind.BANDWIDTH, 0, 0, 0, 10, 0, 0, "bandwidth:rate=10"),
                spec(FaultKind.SLICE, 0, 0, 20 * ms, 0, 1, 4, "slice:size=1..4,delay=20ms"))) {
            Run run = chat(fault, true);
            assertEquals(ExitCodes.OK, run.exitCode(), fault.text() + ": " + run.stderr());
            assertEquals(LINE, run.stdout(), fault.text());
            assertEquals(List.of(), run.stderr(), fault.text());
        }
    }
}
