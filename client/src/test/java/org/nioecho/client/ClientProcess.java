package org.nioecho.client;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The client run as a real process ({@code java -cp <test class path> EchoClientCommand ...}),
 * so its standard input can be a pipe the test keeps open, or a file; standard error goes to a file.
 */
public final class ClientProcess implements AutoCloseable {
    private final Process process;
    private final Path stderr;

    private ClientProcess(Process process, Path stderr) {
        this.process = process;
        this.stderr = stderr;
    }

    /** Starts the client; {@code stdin}/{@code stdout} null means a pipe to this test. */
    public static ClientProcess start(Path dir, File stdin, File stdout, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.add("-Xmx128m");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(EchoClientCommand.class.getName());
        command.addAll(List.of(args));
        Path stderr = Files.createTempFile(dir, "client-stderr", ".txt");
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(stderr.toFile());
        if (stdin != null) {
            builder.redirectInput(stdin);
        }
        if (stdout != null) {
            builder.redirectOutput(stdout);
        }
        return new ClientProcess(builder.start(), stderr);
    }

    public OutputStream stdin() {
        return process.getOutputStream();
    }

    public InputStream stdout() {
        return process.getInputStream();
    }

    /** Writes and flushes {@code text} to the client's standard input. */
    public void type(String text) throws IOException {
        process.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().flush();
    }

    /** Reads exactly {@code n} bytes of the client's standard output within {@code timeout}. */
    public byte[] readOutput(int n, Duration timeout) throws Exception {
        java.util.concurrent.CompletableFuture<byte[]> read = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return process.getInputStream().readNBytes(n);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        byte[] bytes = read.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (bytes.length != n) {
            awaitExit(Duration.ofSeconds(5));
            throw new AssertionError("client output ended after " + bytes.length + " of " + n + " bytes; " + describe());
        }
        return bytes;
    }

    /** Exit status and standard error, for failure messages. */
    public String describe() throws IOException, InterruptedException {
        return (process.isAlive() ? "client running" : "client exit code " + process.exitValue())
                + ", stderr: " + stderrLines() + (process.isAlive() ? "\nthreads:\n" + threadDump() : "");
    }

    /** The client's threads, from {@code jcmd PID Thread.print} (for failure messages). */
    private String threadDump() throws IOException, InterruptedException {
        Path dump = Files.createTempFile(stderr.getParent(), "client-threads", ".txt");
        String java = ProcessHandle.current().info().command().orElse("java");
        Path jcmd = Path.of(java).resolveSibling("jcmd");
        Process p = new ProcessBuilder(jcmd.toString(), Long.toString(process.pid()), "Thread.print")
                .redirectErrorStream(true).redirectOutput(dump.toFile()).start();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        return Files.readString(dump, StandardCharsets.UTF_8);
    }

    /** Waits at most {@code timeout}; true if the process ended. */
    public boolean awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public int exitCode() {
        return process.exitValue();
    }

    public long pid() {
        return process.pid();
    }

    public List<String> stderrLines() throws IOException {
        return Files.readAllLines(stderr, StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
