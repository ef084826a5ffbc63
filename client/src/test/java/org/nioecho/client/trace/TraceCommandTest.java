package org.nioecho.client.trace;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.nioecho.client.ClientProcess;
import org.nioecho.kernel.TcpTracer;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@code echo-client trace} as a real process, watching a plain blocking JDK server that is not ours. */
@Timeout(60)
class TraceCommandTest {
    private static final Pattern TRANSITION = Pattern.compile(
            "\\{\"type\":\"transition\",\"ms\":[0-9.]+,\"end\":\"(\\w+)\",\"local\":\"[^\"]+:(\\d+)\",\"remote\":\"[^\"]+:(\\d+)\",\"from\":\"(\\w+)\",\"to\":\"(\\w+)\"\\}");

    @Test
    void showsTheFullWalkOfBothEndsOfAClose(@TempDir Path dir) throws Exception {
        assumeTrue(TcpTracer.unavailableReason().isEmpty(), () -> TcpTracer.unavailableReason().orElse(""));
        File out = dir.resolve("trace.jsonl").toFile();
        try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int port = listener.getLocalPort();
            try (ClientProcess trace = ClientProcess.start(dir, null, out,
                    "trace", "--port", Integer.toString(port), "--duration", "30s", "--json")) {
                await().atMost(Duration.ofSeconds(20)).until(() -> stderrOf(trace).startsWith("tracing TCP on port " + port));
                int clientPort;
                try (Socket client = new Socket(listener.getInetAddress(), port);
                     Socket server = listener.accept()) {
                    clientPort = client.getLocalPort();
                    server.setSoTimeout(5_000);
                    client.close();
                    assertEquals(-1, server.getInputStream().read());
                }
                await().atMost(Duration.ofSeconds(10)).until(() -> walk(out, "server", port, clientPort).contains("CLOSE"));
                Path instance = instanceOf(trace.pid());
                new ProcessBuilder("kill", "-INT", Long.toString(trace.pid())).start().waitFor();
                assertTrue(trace.awaitExit(Duration.ofSeconds(20)), "trace stops on Ctrl-C");
                assertEquals(0, trace.exitCode(), () -> "stderr: " + stderrOf(trace));
                assertFalse(Files.exists(instance), "its tracefs instance is removed");

                assertEquals(List.of("FIN_WAIT1", "FIN_WAIT2", "CLOSE"), after("ESTABLISHED", walk(out, "client", clientPort, port)),
                        "client, from the file: " + Files.readString(out.toPath()));
                assertEquals(List.of("CLOSE_WAIT", "LAST_ACK", "CLOSE"), after("ESTABLISHED", walk(out, "server", port, clientPort)),
                        "server");
            }
        }
    }

    @Test
    void exitsTwoWithOneLineWhenItCannotTrace(@TempDir Path dir) throws Exception {
        Path err = dir.resolve("err.txt");
        Process process = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-Xmx64m",
                "-Dnioecho.tracefs=" + dir.resolve("no-tracefs-here"),
                "-cp", System.getProperty("java.class.path"), "org.nioecho.client.EchoClientCommand",
                "trace", "--port", "9", "--duration", "1s").redirectError(err.toFile()).start();
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        List<String> lines = Files.readAllLines(err);
        assertEquals(2, process.exitValue(), lines::toString);
        assertEquals(1, lines.size(), lines::toString);
        assertTrue(lines.get(0).startsWith("echo-client trace: cannot trace: "), lines::toString);
    }

    private static List<String> after(String state, List<String> walk) {
        int at = walk.indexOf(state);
        return at < 0 ? walk : walk.subList(at + 1, walk.size());
    }

    private static List<String> walk(File out, String end, int localPort, int remotePort) throws IOException {
        List<String> states = new ArrayList<>();
        for (String line : Files.readAllLines(out.toPath())) {
            Matcher m = TRANSITION.matcher(line);
            if (m.matches() && m.group(1).equals(end) && Integer.parseInt(m.group(2)) == localPort
                    && Integer.parseInt(m.group(3)) == remotePort && !m.group(4).equals(m.group(5))) {
                states.add(m.group(5));
            }
        }
        return states;
    }

    private static Path instanceOf(long pid) throws IOException {
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(TcpTracer.TRACEFS.resolve("instances"),
                "nioecho-" + pid + "-*")) {
            for (Path d : dirs) {
                return d;
            }
        }
        return null;
    }

    private static String stderrOf(ClientProcess process) {
        try {
            return String.join("\n", process.stderrLines());
        } catch (IOException e) {
            return e.toString();
        }
    }
}
