package org.nioecho.client.scenario;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A {@link Probe} run as a child process (in a network namespace), its calls logged in the timeline. */
final class ProbeProcess implements AutoCloseable {
    private static final String PREFIX = "probe: ";

    private final Process process;
    private final Writer stdin;
    private final Timeline timeline;
    private final BlockingQueue<String> replies = new LinkedBlockingQueue<>();
    private final List<String> other = new ArrayList<>();

    private ProbeProcess(Process process, Timeline timeline) {
        this.process = Objects.requireNonNull(process, "process");
        this.timeline = Objects.requireNonNull(timeline, "timeline");
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    }

    /** Starts {@code prefix java -cp classPath Probe} and waits for it to be ready. */
    static ProbeProcess start(Timeline timeline, List<String> prefix, String classPath)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(prefix);
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(List.of("-Xmx32m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", classPath,
                Probe.class.getName()));
        ProbeProcess probe = new ProbeProcess(new ProcessBuilder(command).redirectErrorStream(true).start(), timeline);
        probe.pump();
        String ready = probe.replies.poll(30, TimeUnit.SECONDS);
        if (!"ready".equals(ready)) {
            probe.close();
            throw new IOException("the probe did not start: " + String.join(" ", command) + ": " + probe.output());
        }
        timeline.log("client", "probe process started, pid " + probe.process.pid());
        return probe;
    }

    private void pump() {
        Thread thread = new Thread(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = reader.readLine()) != null; ) {
                    if (line.startsWith(PREFIX)) {
                        replies.add(line.substring(PREFIX.length()));
                    } else {
                        synchronized (other) {
                            other.add(line);
                        }
                    }
                }
            } catch (IOException e) {
                synchronized (other) {
                    other.add("(reading the probe's output failed: " + e.getMessage() + ")");
                }
            }
        }, "probe-output-" + process.pid());
        thread.setDaemon(true);
        thread.start();
    }

    private String output() {
        synchronized (other) {
            return String.join(" | ", other);
        }
    }

    /**
     * Sends one command and logs its result as {@code action -> result (after N ms)}.
     *
     * @throws IOException if the probe does not answer within {@code timeout}
     */
    Call call(String command, String action, String okText, Duration timeout) throws IOException, InterruptedException {
        String reply = send(command, timeout);
        String[] parts = reply.split(" ", 4);
        Call call;
        String ms;
        switch (parts[0]) {
            case "ok" -> {
                call = Call.returned(Long.parseLong(parts[1]));
                ms = parts[2];
            }
            case "eof" -> {
                call = Call.returned(-1);
                ms = parts[1];
            }
            case "error" -> {
                call = Call.threw(parts[2], parts.length > 3 ? parts[3] : "");
                ms = parts[1];
            }
            default -> throw new IOException("the probe answered '" + reply + "' to '" + command + "'");
        }
        timeline.log("client", action, call.describe(okText.replace("%d", Long.toString(call.value()))) + " after " + ms + " ms");
        return call;
    }

    /** The kernel's view of the probe's socket, logged: e.g. {@code ESTABLISHED send-queue=6B timer=retransmit}. */
    String state() throws IOException, InterruptedException {
        String reply = send("state", Duration.ofSeconds(5));
        String state = reply.startsWith("ok ") ? reply.substring(3, reply.lastIndexOf(' ')) : reply;
        timeline.log("kernel", "client socket " + state);
        return state;
    }

    private String send(String command, Duration timeout) throws IOException, InterruptedException {
        stdin.write(command + "\n");
        stdin.flush();
        String reply = replies.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (reply == null) {
            throw new IOException("the probe did not answer '" + command + "' within " + timeout.toSeconds() + " s"
                    + (process.isAlive() ? "" : " (it exited: " + output() + ")"));
        }
        return reply;
    }

    @Override
    public void close() throws InterruptedException {
        try {
            stdin.close();
        } catch (IOException e) {
            timeline.log("client", "probe's input already closed: " + e.getMessage());
        }
        if (!process.waitFor(2, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
