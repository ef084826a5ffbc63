package org.nioecho.bench;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code bench/cpu-per-message.sh} run for real, on two copies of the C epoll server (the
 * script's built-in {@code c-epoll} and {@link CEpollServer}'s build of the same program as
 * {@code -x twin=...}): the rotation of both
 * modes, and the block-by-block ratio it reports checked against its own measurement lines.
 */
class CpuPerMessageScriptIT {
    private static final Pattern MEASUREMENT = Pattern.compile(
            "(?m)^(c-epoll|twin) 20 (\\d+) (\\d+) ([\\d.]+) ([\\d.]+) ([\\d.]+) (\\d+) ?(\\d*)$");
    private static final Pattern BLOCK_RATIO = Pattern.compile(
            "c-epoll ÷ twin: ([\\d.]+) \\(([\\d.]+)-([\\d.]+)\\), median ([\\d.]+), ([\\d.]+)-([\\d.]+), (\\d+) blocks");

    @TempDir
    static Path dir;
    private static Path root;
    private static Path twin;

    @BeforeAll
    static void findTheScriptAndTheCServer() throws Exception {
        root = Path.of("").toAbsolutePath();
        while (root != null && !Files.isRegularFile(root.resolve("bench/cpu-per-message.sh"))) {
            root = root.getParent();
        }
        assumeTrue(root != null, "bench/cpu-per-message.sh not found above the working directory");
        ServerSpec cEpoll = CEpollServer.spec(); // compiles the same program the script's c-epoll is
        assumeTrue(cEpoll.runnable(), "c-epoll: " + cEpoll.skipReason());
        twin = Path.of(cEpoll.command().get(0));
    }

    @Test
    void blocksMeasureWarmServersBackToBackAndReportTheRatioOfTheirOwnLines() throws Exception {
        String output = runScript("-n", "c-epoll", "-x", "twin=" + twin + " {port}",
                "-c", "20", "-r", "1", "-k", "3", "-w", "0.5", "-m", "1");
        List<String[]> lines = measurements(output);
        assertEquals(6, lines.size(), output);
        Map<Integer, List<String[]>> byBlock = new TreeMap<>();
        for (String[] line : lines) {
            assertEquals("0", line[7], "no wrong byte, reset or early EOF: " + output);
            byBlock.computeIfAbsent(Integer.parseInt(line[8]), b -> new ArrayList<>()).add(line);
        }
        assertEquals(List.of(0, 1, 2), List.copyOf(byBlock.keySet()), output);
        double[] ratios = new double[3];
        for (int block = 0; block < 3; block++) {
            List<String[]> pair = byBlock.get(block);
            String first = block % 2 == 0 ? "c-epoll" : "twin"; // the order rotates block by block
            assertEquals(List.of(first, block % 2 == 0 ? "twin" : "c-epoll"), List.of(pair.get(0)[0], pair.get(1)[0]), output);
            double cEpoll = cpu(pair, "c-epoll");
            double other = cpu(pair, "twin");
            assertTrue(cEpoll > 0 && other > 0, "a second of ping-pong costs each server CPU ticks: " + output);
            ratios[block] = cEpoll / other;
        }

        Matcher reported = BLOCK_RATIO.matcher(output);
        assertTrue(reported.find(), output);
        double[] logs = Arrays.stream(ratios).map(Math::log).toArray();
        double mean = Arrays.stream(logs).average().orElseThrow();
        double sd = Math.sqrt(Arrays.stream(logs).map(x -> (x - mean) * (x - mean)).sum() / 2);
        double half = 4.30 * sd / Math.sqrt(3); // t(0.975, 2 degrees of freedom)
        double[] sorted = ratios.clone();
        Arrays.sort(sorted);
        assertEquals(Math.exp(mean), number(reported, 1), 0.0006, "geometric mean: " + output);
        assertEquals(Math.exp(mean - half), number(reported, 2), 0.0006, "95 % interval, low: " + output);
        assertEquals(Math.exp(mean + half), number(reported, 3), 0.0006, "95 % interval, high: " + output);
        assertEquals(sorted[1], number(reported, 4), 0.0006, "median: " + output);
        assertEquals(sorted[0], number(reported, 5), 0.0006, "min: " + output);
        assertEquals(sorted[2], number(reported, 6), 0.0006, "max: " + output);
        assertEquals("3", reported.group(7), output);
        assertNoTwinLeft();
    }

    @Test
    void withoutBlocksEveryMeasurementIsAFreshServerInRotatedOrder() throws Exception {
        String output = runScript("-n", "c-epoll", "-x", "twin=" + twin + " {port}",
                "-c", "20", "-r", "2", "-w", "0.5", "-m", "1");
        List<String[]> lines = measurements(output);
        assertEquals(List.of("c-epoll", "twin", "twin", "c-epoll"), lines.stream().map(l -> l[0]).toList(), output);
        assertTrue(lines.stream().allMatch(l -> l[8].isEmpty()), "no block column: " + output);
        assertTrue(!output.contains("block by block"), output);
        assertTrue(output.lines().anyMatch(l -> l.startsWith("twin ") && l.split("\\s+").length == 7),
                "a summary line per server: " + output);
        assertNoTwinLeft();
    }

    @Test
    void anUnknownBuiltInServerExitsTwoWithOneLine() throws Exception {
        Process script = new ProcessBuilder("bash", "bench/cpu-per-message.sh", "-n", "reactor,nginx")
                .directory(root.toFile()).redirectErrorStream(true).start();
        assertTrue(script.waitFor(30, TimeUnit.SECONDS), "bad usage ends at once");
        String output = new String(script.getInputStream().readAllBytes());
        assertEquals(2, script.exitValue(), output);
        assertEquals("cpu-per-message: no built-in server nginx (reactor, c-epoll, netty-epoll)", output.strip());
    }

    private static String runScript(String... options) throws Exception {
        List<String> command = new ArrayList<>(List.of("bash", "bench/cpu-per-message.sh"));
        command.addAll(List.of(options));
        Path output = Files.createTempFile(dir, "script", ".out");
        Process script = new ProcessBuilder(command).directory(root.toFile())
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        if (!script.waitFor(120, TimeUnit.SECONDS)) {
            script.descendants().forEach(ProcessHandle::destroyForcibly);
            script.destroyForcibly();
        }
        String text = Files.readString(output);
        assertEquals(0, script.exitValue(), text);
        return text;
    }

    private static List<String[]> measurements(String output) {
        List<String[]> lines = new ArrayList<>();
        Matcher line = MEASUREMENT.matcher(output);
        while (line.find()) {
            String[] fields = new String[9];
            for (int i = 0; i < 9; i++) {
                fields[i] = i == 0 ? line.group(1) : i == 1 ? "20" : line.group(i);
            }
            lines.add(fields);
        }
        return lines;
    }

    private static double cpu(List<String[]> pair, String name) {
        return pair.stream().filter(l -> l[0].equals(name)).mapToDouble(l -> Double.parseDouble(l[6])).sum();
    }

    private static double number(Matcher matcher, int group) {
        return Double.parseDouble(matcher.group(group));
    }

    private static void assertNoTwinLeft() {
        List<String> left = ProcessHandle.allProcesses()
                .map(p -> p.info().commandLine().orElse(""))
                .filter(c -> c.contains(twin.toString()))
                .toList();
        assertEquals(List.of(), left, "every server the script started is stopped when it ends");
    }
}
