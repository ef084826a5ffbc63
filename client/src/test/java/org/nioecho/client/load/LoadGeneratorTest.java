package org.nioecho.client.load;

import org.nioecho.client.TestSupport;
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
