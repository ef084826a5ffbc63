package org.nioecho.client.scenario;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.nioecho.client.EchoClientCommand;
import org.nioecho.client.ExitCodes;
import org.nioecho.harness.ServerProcess;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code chat} run as a real process inside the client namespace of a {@link NetnsLab}, for
 * the exit codes loopback cannot produce: 8 (EHOSTUNREACH, ENETUNREACH) and 7 for ETIMEDOUT
 * after a host crash, and the keepalive timers ending a connection to a crashed host.
 * Skipped without root or {@code ip}; every namespace is deleted afterwards, also on failure.
 */
class ChatNetnsTest {
    /** On the lab's /24, owned by nobody: ARP gets no answer. */
    private static final String UNOWNED_ADDRESS = "198.18.0.3";
    /** In 198.18.0.0/15 but outside the lab's /24: the client namespace has no route to it. */
    private static final String UNROUTED_ADDRESS = "198.19.0.1";

    @TempDir
    Path dir;

    private final ByteArrayOutputStream timelineText = new ByteArrayOutputStream();
    private final Timeline timeline = new Timeline(new PrintStream(timelineText, true, StandardCharsets.UTF_8));
    private NetnsLab lab;

    @BeforeEach
    void createLab() throws Exception {
        Optional<String> reason = NetnsLab.unavailableReason();
        assumeTrue(reason.isEmpty(), () -> "network namespace test skipped: " + reason.orElse(""));
        NetnsLab.sweepLeftovers(timeline);
        lab = NetnsLab.create(timeline, HostCrashScenario.TCP_RETRIES2);
    }

    @AfterEach
    void deleteLab() throws Exception {
        if (lab != null) {
            lab.close();
            String ours = "-" + ProcessHandle.current().pid() + "-";
            List<String> left = Arrays.stream(Shell.check("ip", "netns", "list").split("\n"))
                    .map(line -> line.trim().split("\\s+")[0])
                    .filter(name -> name.startsWith("nioecho-") && name.contains(ours)).toList();
            assertEquals(List.of(), left, "namespaces left behind");
        }
    }

    @Test
    @Timeout(60)
    void connectingToAnAddressNobodyOwnsIsHostUnreachable() throws Exception {
        try (NetnsClient client = NetnsClient.start(dir, lab, "--host", UNOWNED_ADDRESS, "--port", "9",
                "--connect-timeout", "30s")) {
            assertTrue(client.awaitExit(Duration.ofSeconds(30)), "client did not end: " + client.describe());
            assertEquals(ExitCodes.UNREACHABLE, client.exitCode(), client.describe());
            assertOneClearLine(client.stderrLines(), "cannot reach " + UNOWNED_ADDRESS + ":9: ", "(EHOSTUNREACH)");
        }
    }

    @Test
    @Timeout(60)
    void connectingWithoutARouteIsNetworkUnreachable() throws Exception {
        try (NetnsClient client = NetnsClient.start(dir, lab, "--host", UNROUTED_ADDRESS, "--port", "9")) {
            assertTrue(client.awaitExit(Duration.ofSeconds(30)), "client did not end: " + client.describe());
            assertEquals(ExitCodes.UNREACHABLE, client.exitCode(), client.describe());
            assertOneClearLine(client.stderrLines(), "cannot reach " + UNROUTED_ADDRESS + ":9: ", "(ENETUNREACH)");
        }
    }

    /** Notes §6.4 from chat: echoes owed to a crashed host; the retransmissions give up (tcp_retries2 = 4). */
    @Test
    @Timeout(120)
    void serverHostCrashWhileEchoesAreOwedTimesOut() throws Exception {
        try (ServerProcess server = Servers.start(context(), lab.inServer(), "--bind", NetnsLab.SERVER_ADDRESS);
             NetnsClient client = NetnsClient.start(dir, lab, "--host", NetnsLab.SERVER_ADDRESS,
                     "--port", Integer.toString(server.port()))) {
            client.type("ping\n");
            assertArrayEquals("ping\n".getBytes(StandardCharsets.US_ASCII), client.readOutput(5, Duration.ofSeconds(20)));
            lab.crashServerHost();
            client.type("lost\n");

            assertTrue(client.awaitExit(Duration.ofSeconds(60)), "client did not end: " + client.describe());
            assertEquals(ExitCodes.TIMED_OUT, client.exitCode(), client.describe());
            assertOneClearLine(client.stderrLines(), "connection timed out (ETIMEDOUT): the server stopped answering, "
                    + "after 10 bytes sent, 5 echoed");
        }
    }

    /**
     * Keepalive on an idle connection to a crashed host: idle 1 s, then 2 probes 1 s apart,
     * then ETIMEDOUT — about 3 s. With the kernel's defaults (2 h idle, 75 s interval, 9
     * probes) nothing would happen within the bound, so idle, interval and count all had
     * to reach the kernel.
     */
    @Test
    @Timeout(60)
    void keepaliveTimersEndAnIdleConnectionToACrashedHost() throws Exception {
        try (ServerProcess server = Servers.start(context(), lab.inServer(), "--bind", NetnsLab.SERVER_ADDRESS);
             NetnsClient client = NetnsClient.start(dir, lab, "--host", NetnsLab.SERVER_ADDRESS,
                     "--port", Integer.toString(server.port()),
                     "--keepalive-idle", "1s", "--keepalive-interval", "1s", "--keepalive-count", "2")) {
            client.type("ping\n");
            assertArrayEquals("ping\n".getBytes(StandardCharsets.US_ASCII), client.readOutput(5, Duration.ofSeconds(20)));
            lab.crashServerHost();

            // Default count (9 probes) would take over 10 s, the default interval 75 s.
            assertTrue(client.awaitExit(Duration.ofSeconds(8)), "keepalive did not end the connection: " + client.describe());
            assertEquals(ExitCodes.TIMED_OUT, client.exitCode(), client.describe());
            assertOneClearLine(client.stderrLines(), "connection timed out (ETIMEDOUT)", "after 5 bytes sent, 5 echoed");
        }
    }

    private ScenarioContext context() {
        return new ScenarioContext(ServerProcess.defaultJar(), ScenarioCommand.probeClassPath(), timeline);
    }

    private void assertOneClearLine(List<String> stderr, String... expected) {
        String context = "stderr: " + stderr + "\ntimeline:\n" + timelineText.toString(StandardCharsets.UTF_8);
        assertEquals(1, stderr.size(), "stderr should be exactly one line; " + context);
        for (String part : expected) {
            assertTrue(stderr.get(0).contains(part), "expected '" + part + "'; " + context);
        }
        assertTrue(!stderr.get(0).contains("Exception"), "no exception names; " + context);
    }

    /** The client process, started with {@code ip netns exec} in the lab's client namespace. */
    private static final class NetnsClient implements AutoCloseable {
        private final Process process;
        private final Path stderr;

        private NetnsClient(Process process, Path stderr) {
            this.process = process;
            this.stderr = stderr;
        }

        static NetnsClient start(Path dir, NetnsLab lab, String... args) throws IOException {
            List<String> command = new ArrayList<>(lab.inClient());
            command.addAll(List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx64m",
                    "-cp", System.getProperty("java.class.path"), EchoClientCommand.class.getName()));
            command.addAll(List.of(args));
            Path stderr = Files.createTempFile(dir, "client-stderr", ".txt");
            return new NetnsClient(new ProcessBuilder(command).redirectError(stderr.toFile()).start(), stderr);
        }

        void type(String text) throws IOException {
            process.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
            process.getOutputStream().flush();
        }

        byte[] readOutput(int n, Duration timeout) throws Exception {
            CompletableFuture<byte[]> read = CompletableFuture.supplyAsync(() -> {
                try {
                    return process.getInputStream().readNBytes(n);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            return read.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }

        boolean awaitExit(Duration timeout) throws InterruptedException {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }

        int exitCode() {
            return process.exitValue();
        }

        List<String> stderrLines() throws IOException {
            return Files.readAllLines(stderr, StandardCharsets.UTF_8);
        }

        String describe() throws IOException {
            return (process.isAlive() ? "client running" : "client exit code " + process.exitValue())
                    + ", stderr: " + stderrLines();
        }

        @Override
        public void close() throws InterruptedException {
            if (process.isAlive()) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
