package org.nioecho.bench;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nioecho.harness.ServerProcess;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code bench/c/pingpong_client.c}, the load of {@code bench/cpu-per-message.sh}: counts
 * round trips, reads the server's CPU time from /proc, and catches a wrongly echoed byte.
 */
class PingPongClientTest {
    private static final String SOURCE = "bench/c/pingpong_client.c";
    private static final Pattern LINE = Pattern.compile(
            "round_trips=(\\d+) per_s=(\\d+) user_us=([\\d.]+) sys_us=([\\d.]+) cpu_us=([\\d.]+) errors=(\\d+)");

    @TempDir
    static Path dir;
    private static Path client;

    @BeforeAll
    static void compile() throws Exception {
        Path source = Jars.locate(null, "nioecho.c.client.source", SOURCE, null);
        assumeTrue(Files.isRegularFile(source), SOURCE + " not found from the working directory");
        client = dir.resolve("pingpong-client");
        Process cc;
        try {
            cc = new ProcessBuilder("cc", "-O2", "-o", client.toString(), source.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("cc.log").toFile()).start();
        } catch (IOException e) {
            assumeTrue(false, "no cc: " + e.getMessage());
            return;
        }
        assertTrue(cc.waitFor(60, TimeUnit.SECONDS), "cc finishes within 60 s");
        assertEquals(0, cc.exitValue(), Files.readString(dir.resolve("cc.log")));
    }

    @Test
    void countsRoundTripsAndReadsTheServersCpuAgainstTheCServer() throws Exception {
        ServerSpec spec = CEpollServer.spec();
        assumeTrue(spec.runnable(), "c-epoll: " + spec.skipReason());
        ServerProcess server = spec.start(Duration.ofSeconds(30));
        Result result;
        long[] lifetimeTicks;
        try {
            result = run(Integer.toString(server.port()), "20", "64", "0", "1", Long.toString(server.pid()));
            lifetimeTicks = userAndSystemTicks(server.pid());
        } finally {
            server.stop(Duration.ofSeconds(10));
        }
        assertEquals(0, result.exit, result.output);
        Matcher line = LINE.matcher(result.output);
        assertTrue(line.find(), result.output);
        assertTrue(Long.parseLong(line.group(1)) > 0, "round trips counted: " + result.output);
        assertEquals("0", line.group(6), result.output);
        double cpu = Double.parseDouble(line.group(5));
        assertTrue(cpu > 0, "a second of ping-pong costs the server some CPU ticks: " + result.output);
        assertEquals(Double.parseDouble(line.group(3)) + Double.parseDouble(line.group(4)), cpu, 0.002, "cpu = user + sys");
        // No warm-up: the measured window is nearly the C server's whole life, so the client's
        // system time must match what /proc says the server spent in all (within 3 ticks + 10 %).
        double roundTrips = Long.parseLong(line.group(1));
        double windowSysTicks = Double.parseDouble(line.group(4)) * roundTrips / 10_000.0;
        assertEquals(lifetimeTicks[1], windowSysTicks, 3 + 0.1 * lifetimeTicks[1],
                "system ticks in the window against the server's lifetime (user, sys) " + lifetimeTicks[0] + ", " + lifetimeTicks[1]
                        + ": " + result.output);
    }

    @Test
    void aWrongByteEchoedExitsOneWithOneLine() throws Exception {
        try (ServerSocketChannel listener = ServerSocketChannel.open()) {
            listener.bind(new InetSocketAddress("127.0.0.1", 0));
            Thread corrupting = new Thread(() -> echoOnceWithTheFirstByteChanged(listener), "corrupting-echo");
            corrupting.setDaemon(true);
            corrupting.start();
            int port = ((InetSocketAddress) listener.getLocalAddress()).getPort();
            Result result = run(Integer.toString(port), "1", "64", "0", "5", Long.toString(ProcessHandle.current().pid()));
            assertEquals(1, result.exit, result.output);
            assertEquals(List.of("pingpong-client: connection 0: wrong byte echoed"),
                    result.output.lines().filter(l -> !l.startsWith("round_trips=")).toList());
        }
    }

    @Test
    void badUsageExitsTwo() throws Exception {
        Result result = run("1");
        assertEquals(2, result.exit, result.output);
        assertTrue(result.output.startsWith("usage: pingpong-client"), result.output);
    }

    /** utime and stime of a process, in clock ticks (100 per second on Linux). */
    private static long[] userAndSystemTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return new long[] {Long.parseLong(fields[11]), Long.parseLong(fields[12])}; // fields 14 and 15
    }

    private static void echoOnceWithTheFirstByteChanged(ServerSocketChannel listener) {
        try (SocketChannel peer = listener.accept()) {
            ByteBuffer buffer = ByteBuffer.allocate(64);
            while (buffer.hasRemaining() && peer.read(buffer) >= 0) {
                // the client's first 64-byte message
            }
            buffer.flip();
            buffer.put(0, (byte) (buffer.get(0) + 1));
            while (buffer.hasRemaining()) {
                peer.write(buffer);
            }
            peer.read(ByteBuffer.allocate(1)); // until the client closes
        } catch (IOException e) {
            // the client exits and closes: nothing more to echo
        }
    }

    private record Result(int exit, String output) {
    }

    private static Result run(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(client.toString()));
        command.addAll(List.of(args));
        Path output = Files.createTempFile(dir, "client", ".out");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("pingpong-client did not finish within 30 s");
        }
        return new Result(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
    }
}
