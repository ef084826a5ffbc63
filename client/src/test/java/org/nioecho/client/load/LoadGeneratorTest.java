package org.nioecho.client.load;

import org.nioecho.client.TestSupport;
import org.nioecho.client.ClientProcess;
import org.nioecho.client.FlippingEchoServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nioecho.client.EchoClientCommand;
import org.nioecho.client.ErrorCause;
import org.nioecho.client.ExitCodes;
import org.nioecho.harness.ServerProcess;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code load} against a real server process: its counts agree with the server's, and bad echoes are caught. */
class LoadGeneratorTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(LoadMode.class)
    void countsAgreeWithTheServersOwnByteCounters(LoadMode mode) throws Exception {
        try (ServerProcess server = ServerProcess.builder().jvmOptions("-Xmx64m").start()) {
            // churn is kept short: every connect leaves a TIME_WAIT on loopback's shared ephemeral ports
            boolean churn = mode == LoadMode.CHURN;
            LoadReport report = run(config(server.address(), mode, churn ? 2 : 8, 100,
                    churn ? Duration.ofMillis(500) : Duration.ofMillis(1500)));
            TestSupport.ServerCounts counts = TestSupport.stop(server);

            assertEquals(ExitCodes.OK, report.exitCode(), report.toText());
            assertTrue(report.messages() > 0, report.toText());
            assertEquals(counts.bytesIn(), report.totalBytesSent(), "server's bytes in vs client's bytes sent\n" + report.toText());
            assertEquals(counts.bytesOut(), report.totalBytesReceived(), "server's bytes out vs client's bytes received");
            assertEquals(report.totalBytesSent(), report.totalBytesReceived(), "every byte echoed");
            if (mode == LoadMode.CHURN) {
                assertEquals(counts.connections(), report.connects(), "one server connection per churn connect");
                assertEquals(report.messages(), report.connects(), "one message per churn connection");
            } else {
                assertEquals(8, counts.connections());
                assertEquals(0, report.bytesReceived() % 100, "whole messages only");
            }
        }
    }

    @Test
    void warmupTrafficIsNotCounted() throws Exception {
        try (ServerProcess server = ServerProcess.builder().jvmOptions("-Xmx64m").start()) {
            LoadConfig config = new LoadConfig(server.address(), LoadMode.PINGPONG, 4, 64, Duration.ofMillis(500),
                    Duration.ofMillis(500), 0, 0, List.of(), 1, Duration.ofSeconds(5), Duration.ofSeconds(5));
            LoadReport report = run(config);
            TestSupport.ServerCounts counts = TestSupport.stop(server);
            assertEquals(ExitCodes.OK, report.exitCode(), report.toText());
            assertEquals(counts.bytesIn(), report.totalBytesSent());
            assertTrue(report.bytesSent() < report.totalBytesSent(), report.toText());
            assertTrue(report.messages() * 64 <= report.bytesReceived(), report.toText());
        }
    }

    /**
     * No coordinated omission: the server is stopped until 20 messages of the one connection
     * wait unread in its socket. At 100 messages/s the first of them was due at least 190 ms
     * before the last, so open-loop latency, counted from the intended send time, must show
     * at least 10 messages of 100 ms or more (3.3 % of the run's 300, so the 99th percentile
     * is at least 100 ms), however busy the machine.
     */
    @Test
    void rateModeCountsAStalledServerInTheLatencies() throws Exception {
        try (ServerProcess server = ServerProcess.builder().jvmOptions("-Xmx64m").start()) {
            LoadConfig config = new LoadConfig(server.address(), LoadMode.RATE, 1, 64, Duration.ofSeconds(3),
                    Duration.ZERO, 0, 100, List.of(), 1, Duration.ofSeconds(5), Duration.ofSeconds(10));
            CompletableFuture<LoadReport> running = CompletableFuture.supplyAsync(() -> {
                try {
                    return run(config);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> !TestSupport.serverSide(server.port()).isEmpty());
            TestSupport.stopProcess(server);
            await().atMost(Duration.ofSeconds(10)).until(() -> TestSupport.serverSide(server.port()).stream()
                    .anyMatch(e -> e.receiveQueue() >= 20 * 64));
            server.signal("CONT");
            LoadReport report = running.get(30, TimeUnit.SECONDS);

            assertEquals(ExitCodes.OK, report.exitCode(), report.toText());
            assertTrue(report.latencyMicros(100) >= 190_000, report.toText());
            assertTrue(report.latencyMicros(99) >= 100_000, report.toText());
        }
    }

    @Test
    void aServerThatFlipsAByteIsCaught() throws Exception {
        try (FlippingEchoServer server = new FlippingEchoServer(1000)) {
            LoadReport report = run(config(server.address(), LoadMode.PINGPONG, 3, 100, Duration.ofMillis(500)));
            assertEquals(3, report.corruptBytes(), "one flipped byte per connection\n" + report.toText());
            assertEquals(0, report.missingBytes());
            assertEquals(0, report.extraBytes());
            assertEquals(ExitCodes.LOAD_DATA_MISMATCH, report.exitCode());
        }
    }

    /** Pingpong cannot go on past the dropped last byte of message 10: one byte per connection is owed at the end. */
    @Test
    void aServerThatDropsAByteLeavesItMissing() throws Exception {
        try (FlippingEchoServer server = FlippingEchoServer.dropping(10 * 100 + 99)) {
            LoadReport report = run(new LoadConfig(server.address(), LoadMode.PINGPONG, 3, 100, Duration.ofMillis(500),
                    Duration.ZERO, 0, 0, List.of(), 1, Duration.ofSeconds(5), Duration.ofMillis(500)));
            assertEquals(3, report.missingBytes(), "one dropped byte per connection\n" + report.toText());
            assertEquals(0, report.corruptBytes(), report.toText());
            assertEquals(0, report.extraBytes(), report.toText());
            assertEquals(ExitCodes.LOAD_DATA_MISMATCH, report.exitCode());
            assertTrue(report.toText().contains("verified    corrupt 0, missing 3, extra 0 bytes -> ECHO MISMATCH (exit 10)"),
                    report.toText());
        }
    }

    /** The added byte follows the last byte of message 10 in the same write, so it is one byte too many, not a shift. */
    @Test
    void aServerThatAddsAByteIsCaughtAsExtra() throws Exception {
        try (FlippingEchoServer server = FlippingEchoServer.adding(10 * 100 + 99)) {
            LoadReport report = run(config(server.address(), LoadMode.PINGPONG, 3, 100, Duration.ofMillis(500)));
            assertEquals(3, report.extraBytes(), "one added byte per connection\n" + report.toText());
            assertEquals(0, report.corruptBytes(), report.toText());
            assertEquals(0, report.missingBytes(), report.toText());
            assertEquals(ExitCodes.LOAD_DATA_MISMATCH, report.exitCode());
        }
    }

    @Test
    void connectionsComeFromTheSourceAddressesRoundRobin() throws Exception {
        try (FlippingEchoServer server = new FlippingEchoServer(Long.MAX_VALUE)) {
            InetAddress two = InetAddress.getByName("127.0.0.2");
            InetAddress three = InetAddress.getByName("127.0.0.3");
            LoadReport report = run(new LoadConfig(server.address(), LoadMode.PINGPONG, 4, 64, Duration.ofMillis(300),
                    Duration.ZERO, 0, 0, List.of(two, three), 1, Duration.ofSeconds(5), Duration.ofSeconds(5)));
            assertEquals(ExitCodes.OK, report.exitCode(), report.toText());
            List<InetAddress> remotes = server.remoteAddresses().stream().map(InetSocketAddress::getAddress).sorted(
                    java.util.Comparator.comparing(InetAddress::getHostAddress)).toList();
            assertEquals(List.of(two, two, three, three), remotes, "the server's view of the client addresses");
        }
    }

    /**
     * Churn whose every connect fails at once (an IPv6 source towards an IPv4 server): the
     * failed slots wait (1 ms doubling to 100 ms) on the worker's timer instead of retrying in
     * a loop that never looks at the clock, so the run ends on time with exit 11 and the
     * errors in the JSON, and the selector thread sleeps most of the run.
     */
    @Test
    void churnWhoseConnectsFailAtOnceEndsOnTimeWithTheErrors() throws Exception {
        try (ServerProcess server = ServerProcess.builder().jvmOptions("-Xmx64m").start()) {
            Path json = dir.resolve("churn.json");
            try (ClientProcess client = ClientProcess.start(dir, null, null, "load", "--port", Integer.toString(server.port()),
                    "--mode", "churn", "--connections", "4", "--source-addresses", "::1", "--duration", "2s",
                    "--json", json.toString(), "--quiet")) {
                // without the back-off it spins until its 30 s overrun guard gives up (exit 1, no report)
                assertTrue(client.awaitExit(Duration.ofSeconds(20)), client.describe());
                assertEquals(ExitCodes.LOAD_ERRORS, client.exitCode(), client.describe());
            }
            String text = Files.readString(json);
            assertTrue(text.contains("\"connects\":0"), text);
            assertTrue(text.contains("\"exitCode\":11"), text);
            Matcher errors = Pattern.compile("\"errors\":\\{([^}]*)}").matcher(text);
            assertTrue(errors.find(), text);
            long sum = Pattern.compile(":(\\d+)").matcher(errors.group(1)).results()
                    .mapToLong(m -> Long.parseLong(m.group(1))).sum();
            assertTrue(sum >= 4, "at least one failed attempt per connection slot: " + text);
            // Each slot waits 1 ms, doubling to 100 ms, before its next attempt: about 26 attempts in
            // 2 s. Retrying at once made 6,440 here (each failure comes back through the selector).
            assertTrue(sum <= 4 * 60, "the attempts back off: " + text);
            Matcher cpu = Pattern.compile("\"workerCpuSeconds\":([0-9.Ee-]+)").matcher(text);
            assertTrue(cpu.find(), text);
            assertTrue(Double.parseDouble(cpu.group(1)) < 0.5 * 2, "the selector thread must not spin: " + text);
        }
    }

    /** Rate mode records the generator's own lateness, one value per message sent, beside the latencies. */
    @Test
    void rateModeReportsItsOwnLateness() throws Exception {
        try (ServerProcess server = ServerProcess.builder().jvmOptions("-Xmx64m").start()) {
            LoadConfig config = new LoadConfig(server.address(), LoadMode.RATE, 1, 64, Duration.ofSeconds(2),
                    Duration.ZERO, 0, 300, List.of(), 1, Duration.ofSeconds(5), Duration.ofSeconds(10));
            LoadReport report = run(config);
            TestSupport.ServerCounts counts = TestSupport.stop(server);

            assertEquals(0, report.errors() + report.missingBytes() + report.corruptBytes() + report.extraBytes(), report.toText());
            assertTrue(report.sentMessages() > 0, report.toText());
            assertEquals(report.scheduledMessages(), report.sentMessages(), "every scheduled message sent\n" + report.toText());
            assertEquals(report.sentMessages(), report.latenessCount(), "one lateness per message sent");
            assertEquals(counts.bytesIn(), report.sentMessages() * 64, "the server got every message sent");
            assertTrue(report.latenessMicros(0) >= 0, report.toText());
            assertTrue(report.toText().contains("  lateness us p50 "), report.toText());
            assertTrue(report.toText().contains(String.format(java.util.Locale.ROOT, "  rate        %,d scheduled, %,d sent",
                    report.scheduledMessages(), report.sentMessages())), report.toText());
            String json = report.toJson();
            for (String key : new String[] {"\"scheduledMessages\":" + report.scheduledMessages(),
                    "\"sentMessages\":" + report.sentMessages(), "\"latenessMicros\":{\"p50\":", "\"latencyMicros\":{\"p50\":"}) {
                assertTrue(json.contains(key), key + " in " + json);
            }
        }
    }

    /**
     * At 1,000 msg/s on one connection a send is always less than 1.25 ms away, so a worker that
     * polled whenever the next send was that close spun the whole run. It polls only for the last
     * 0.25 ms; before that it blocks in select, woken by an echo or by its waker. Its CPU time (its
     * waker's included) must stay well under the run's length: 23-24 % here even at load average
     * 10 on 2 cores; a spinning worker uses 90-100 % on a quiet machine, but load can hide it
     * (55-75 % at load average 9).
     */
    @Test
    void rateModeDoesNotSpinBetweenSends() throws Exception {
        try (ServerProcess server = ServerProcess.builder().jvmOptions("-Xmx64m").start()) {
            LoadConfig config = new LoadConfig(server.address(), LoadMode.RATE, 1, 64, Duration.ofSeconds(2),
                    Duration.ZERO, 0, 1000, List.of(), 1, Duration.ofSeconds(5), Duration.ofSeconds(10));
            LoadReport report = run(config);

            assertEquals(0, report.errors() + report.missingBytes() + report.corruptBytes() + report.extraBytes(), report.toText());
            assertEquals(report.scheduledMessages(), report.sentMessages(), report.toText());
            double share = report.workerCpuSeconds() / report.durationSeconds();
            assertTrue(share < 0.45, String.format(java.util.Locale.ROOT,
                    "the worker thread and its waker used %.0f %% of a core between sends%n%s", 100 * share, report.toText()));
        }
    }

    /**
     * The server is stopped before the run (the kernel still completes the connect) until the
     * run's end has passed and the generator is at least 1,100 messages behind (16 KiB at
     * 1,000/s soon fills the sockets' buffers): those messages
     * are sent late once the server runs again, not skipped, not even the ones due just before
     * the end. The oldest of the 1,100 was due at least 1,099 periods (1 ms each) before the
     * moment it was seen unsent, so it is more than the 1 s limit late whatever the machine
     * does, and the run exits 12 with every echo verified.
     */
    @Test
    void rateModeSendsLateWhatFellDueDuringAStallAndSaysItCouldNotKeepTheRate() throws Exception {
        try (ServerProcess server = ServerProcess.builder().jvmOptions("-Xmx64m").start()) {
            int sizeBytes = 16 * 1024;
            Duration duration = Duration.ofSeconds(3);
            LoadConfig config = new LoadConfig(server.address(), LoadMode.RATE, 1, sizeBytes, duration,
                    Duration.ZERO, 0, 1000, List.of(), 1, Duration.ofSeconds(5), Duration.ofSeconds(30));
            TestSupport.stopProcess(server);
            AtomicLong maxBehind = new AtomicLong();
            AtomicLong lastSecond = new AtomicLong();
            java.util.concurrent.atomic.AtomicReference<String> lastLine = new java.util.concurrent.atomic.AtomicReference<>("");
            Pattern progress = Pattern.compile("load +([0-9.]+)s run: .*behind (\\d+) messages");
            CompletableFuture<LoadReport> running = CompletableFuture.supplyAsync(() -> {
                try {
                    return new LoadGenerator(config).run(line -> {
                        lastLine.set(lastLine.get() + "\n" + line);
                        Matcher m = progress.matcher(line);
                        if (m.find()) {
                            lastSecond.set((long) (Double.parseDouble(m.group(1)) * 1000));
                            maxBehind.accumulateAndGet(Long.parseLong(m.group(2)), Math::max);
                        }
                    });
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            try {
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> maxBehind.get() >= 1100 && lastSecond.get() >= duration.toMillis() + 100);
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError("not 1,100 behind after the end (the socket buffers must fill); last progress: "
                        + lastLine.get(), e);
            }
            server.signal("CONT");
            LoadReport report = running.get(60, TimeUnit.SECONDS);

            assertEquals(0, report.missingBytes() + report.corruptBytes() + report.extraBytes() + report.errors(), report.toText());
            assertTrue(report.scheduledMessages() >= 2900, report.toText());
            assertEquals(report.scheduledMessages(), report.sentMessages(), "late, not skipped\n" + report.toText());
            assertEquals(report.sentMessages() * sizeBytes, report.totalBytesReceived(), report.toText());
            assertTrue(report.latenessMicros(100) >= 1_099_000, report.toText());
            assertEquals(ExitCodes.LOAD_RATE_NOT_KEPT, report.exitCode(), report.toText());
            assertTrue(report.toText().contains("RATE NOT KEPT: the generator could not keep the requested rate"), report.toText());
        }
    }

    @Test
    void refusedConnectionsAreCountedByCause() throws Exception {
        int port;
        try (ServerSocket unused = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = unused.getLocalPort();
        }
        LoadReport report = run(config(new InetSocketAddress("127.0.0.1", port), LoadMode.PINGPONG, 3, 64, Duration.ofMillis(200)));
        assertEquals(3, report.errors(ErrorCause.REFUSED), report.toText());
        assertEquals(3, report.errors());
        assertEquals(ExitCodes.LOAD_ERRORS, report.exitCode());
    }

    @Test
    void holdsTwoThousandConnectionsFromTwoSourceAddresses() throws Exception {
        try (ServerProcess server = ServerProcess.builder().jvmOptions("-Xmx128m").start()) {
            LoadConfig config = new LoadConfig(server.address(), LoadMode.PINGPONG, 2000, 32, Duration.ofSeconds(1),
                    Duration.ZERO, 0, 0, List.of(InetAddress.getByName("127.0.0.2"), InetAddress.getByName("127.0.0.3")),
                    2, Duration.ofSeconds(10), Duration.ofSeconds(10));
            LoadReport report = run(config);
            TestSupport.ServerCounts counts = TestSupport.stop(server);
            assertEquals(ExitCodes.OK, report.exitCode(), report.toText());
            assertEquals(2000, report.connects());
            assertEquals(2000, counts.connections());
            assertEquals(counts.bytesIn(), report.totalBytesSent());
        }
    }

    @Test
    void commandLineWritesTheAgreedJsonKeys() throws Exception {
        try (ServerProcess server = ServerProcess.builder().jvmOptions("-Xmx64m").start()) {
            Path json = dir.resolve("load.json");
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int code = EchoClientCommand.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
                    .execute("load", "--port", Integer.toString(server.port()), "--connections", "2", "--size", "1KiB",
                            "--mode", "stream", "--window", "8KiB", "--duration", "1s", "--json", json.toString());
            assertEquals(0, code, out + "\n" + err);
            String text = Files.readString(json);
            List<String> missing = new ArrayList<>();
            for (String key : new String[] {"\"mode\":\"stream\"", "\"connections\":2", "\"sizeBytes\":1024",
                    "\"durationSeconds\":1", "\"messages\":", "\"messagesPerSecond\":", "\"bytesSent\":",
                    "\"bytesReceived\":", "\"megabytesPerSecond\":", "\"latencyMicros\":{\"p50\":", "\"p90\":",
                    "\"p99\":", "\"p999\":", "\"max\":", "\"connectMillis\":{\"p50\":", "\"connects\":2",
                    "\"connectsPerSecond\":", "\"errors\":{\"refused\":0,\"reset\":0,\"broken.pipe\":0,\"eof\":0,\"timed.out\":0",
                    "\"other\":0}", "\"corruptBytes\":0", "\"missingBytes\":0", "\"extraBytes\":0"}) {
                if (!text.contains(key)) {
                    missing.add(key);
                }
            }
            assertTrue(missing.isEmpty(), "missing " + missing + " in " + text);
            assertTrue(out.toString().contains("verified    corrupt 0, missing 0, extra 0 bytes -> OK"), out.toString());
        }
    }

    @Test
    void badModeIsUsageError() {
        StringWriter err = new StringWriter();
        int code = EchoClientCommand.commandLine().setErr(new PrintWriter(err)).execute("load", "--mode", "fast");
        assertEquals(2, code);
        assertTrue(err.toString().startsWith("Invalid value for option '--mode': 'fast'"), err.toString());
    }

    private static LoadConfig config(InetSocketAddress server, LoadMode mode, int connections, int size, Duration duration) {
        return new LoadConfig(server, mode, connections, size, duration, Duration.ZERO, 4 * size, 200, List.of(), 1,
                Duration.ofSeconds(5), Duration.ofSeconds(5));
    }

    private static LoadReport run(LoadConfig config) throws Exception {
        return new LoadGenerator(config).run(line -> { });
    }
}
