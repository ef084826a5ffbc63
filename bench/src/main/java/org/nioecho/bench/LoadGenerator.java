package org.nioecho.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The project's load generator, {@code echo-client.jar load}, run as its own process for
 * one cell; its {@code --json} report is read back as a {@link LoadResult}.
 */
final class LoadGenerator {
    private final List<String> java;
    private final Path clientJar;
    private final Path workDir;

    /**
     * @param java      the JVM command and its options, e.g. {@code [/usr/bin/java]}
     * @param clientJar {@code client/target/echo-client.jar}
     * @param workDir   where the JSON reports and logs of each run go
     */
    LoadGenerator(List<String> java, Path clientJar, Path workDir) {
        this.java = List.copyOf(Objects.requireNonNull(java, "java"));
        this.clientJar = Objects.requireNonNull(clientJar, "clientJar");
        this.workDir = Objects.requireNonNull(workDir, "workDir");
    }

    /** A started load run. */
    final class Run {
        private final Process process;
        private final Path json;
        private final Path log;
        private final Duration timeout;

        private Run(Process process, Path json, Path log, Duration timeout) {
            this.process = process;
            this.json = json;
            this.log = log;
            this.timeout = timeout;
        }

        boolean isAlive() {
            return process.isAlive();
        }

        /** Waits for the client to end and reads its report; a failure is an {@link IOException} with one clear line. */
        LoadResult finish() throws IOException, InterruptedException {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                throw new IOException("the load generator did not finish within " + timeout.toSeconds() + " s" + tail());
            }
            String text;
            try {
                text = Files.readString(json, StandardCharsets.UTF_8);
            } catch (NoSuchFileException e) {
                throw new IOException("the load generator exited with " + process.exitValue()
                        + " and wrote no report" + tail());
            }
            try {
                return LoadResult.fromJson(text);
            } catch (IllegalArgumentException e) {
                throw new IOException("the load generator's report " + json + " is unreadable: " + e.getMessage());
            }
        }

        private String tail() throws IOException {
            List<String> lines = Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : List.of();
            List<String> last = lines.subList(Math.max(0, lines.size() - 5), lines.size());
            return last.isEmpty() ? "" : ":\n  " + String.join("\n  ", last);
        }
    }

    /** Starts {@code load} against {@code server}; {@code name} names its files in the work directory. */
    Run start(String name, InetSocketAddress server, Cell cell, Duration warmup, Duration duration)
            throws IOException {
        return start(name, server, cell, warmup, duration, Double.NaN);
    }

    /**
     * As above; a {@link Cell.Kind#RATE} cell sends {@code ratePerConnection} messages per second
     * on each connection, open loop (the client's {@code --mode rate --rate N}).
     */
    Run start(String name, InetSocketAddress server, Cell cell, Duration warmup, Duration duration, double ratePerConnection)
            throws IOException {
        Path json = workDir.resolve(name + ".json");
        Path log = workDir.resolve(name + ".log");
        Files.deleteIfExists(json);
        List<String> command = new ArrayList<>(java);
        command.addAll(List.of("-jar", clientJar.toString(), "load",
                "--host", server.getAddress().getHostAddress(),
                "--port", Integer.toString(server.getPort()),
                "--connections", Integer.toString(cell.connections()),
                "--size", Integer.toString(cell.sizeBytes()),
                "--duration", durationArg(duration),
                "--warmup", durationArg(warmup),
                "--mode", cell.kind().label(),
                "--json", json.toString()));
        if (cell.kind() == Cell.Kind.RATE) {
            command.addAll(List.of("--rate", Double.toString(ratePerConnection))); // exact, however small
        }
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        process.getOutputStream().close();
        Duration timeout = warmup.plus(duration).plusSeconds(60).plusMillis(cell.connections() * 5L);
        return new Run(process, json, log, timeout);
    }

    /** {@code 3s} or {@code 1500ms}: the forms the client's duration options take. */
    static String durationArg(Duration duration) {
        long ms = duration.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }
}
