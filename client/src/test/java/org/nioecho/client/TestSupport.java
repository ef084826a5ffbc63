package org.nioecho.client;

import org.nioecho.harness.ServerProcess;
import org.nioecho.kernel.TcpState;
import org.nioecho.kernel.TcpTable;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Helpers shared by the client tests: the server's own counters, the kernel's socket table. */
public final class TestSupport {
    private static final Pattern SUMMARY =
            Pattern.compile("nioecho server stopped: (\\d+) connections?, (\\d+) bytes in, (\\d+) bytes out");

    private TestSupport() {
    }

    /** The server's own counts, from the summary it prints when stopped by SIGTERM. */
    public record ServerCounts(long connections, long bytesIn, long bytesOut) {
    }

    /** Stops the server with SIGTERM and parses its summary line. */
    public static ServerCounts stop(ServerProcess server) throws IOException, InterruptedException {
        server.signal("TERM");
        assertEquals(0, server.awaitExit(Duration.ofSeconds(20)), "server exit code; stderr: " + server.stderr());
        for (String line : server.stdout()) {
            Matcher m = SUMMARY.matcher(line);
            if (m.find()) {
                return new ServerCounts(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)));
            }
        }
        throw new AssertionError("no summary line in " + server.stdout());
    }

    /**
     * The client side of the one connection to {@code serverPort}, if the kernel still lists it.
     * Only sockets a process holds (inode not 0): TIME_WAIT leftovers of earlier tests whose
     * server had the same port number are not it.
     */
    public static Optional<TcpTable.Entry> clientSide(int serverPort) throws IOException {
        return TcpTable.onPort(serverPort).stream()
                .filter(e -> e.remote().getPort() == serverPort && e.local().getPort() != serverPort && e.inode() != 0)
                .findFirst();
    }

    /** The server side of live connections to {@code serverPort} (not the listener, not leftovers). */
    public static List<TcpTable.Entry> serverSide(int serverPort) throws IOException {
        return TcpTable.onPort(serverPort).stream()
                .filter(e -> e.local().getPort() == serverPort && e.state() != TcpState.LISTEN && e.inode() != 0)
                .toList();
    }

    /**
     * Stops the server with SIGSTOP and waits until every one of its threads is stopped: the
     * kernel stops a process's threads asynchronously, after {@code kill} has returned, so a
     * busy machine can leave the reactor running for a while.
     */
    public static void stopProcess(ServerProcess server) throws IOException, InterruptedException {
        server.signal("STOP");
        Path tasks = Path.of("/proc", Long.toString(server.pid()), "task");
        await().atMost(Duration.ofSeconds(10)).until(() -> allThreadsStopped(tasks));
    }

    private static boolean allThreadsStopped(Path tasks) throws IOException {
        try (Stream<Path> threads = Files.list(tasks)) {
            return threads.allMatch(task -> {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    char state = stat.charAt(stat.lastIndexOf(')') + 2);
                    return state == 'T' || state == 't' || state == 'Z' || state == 'X';
                } catch (IOException e) {
                    return true; // the thread ended
                }
            });
        }
    }

    /** One line, no stack trace, containing {@code expected}. */
    public static void assertOneClearLine(List<String> stderr, String expected) {
        assertEquals(1, stderr.size(), "stderr should be exactly one line: " + stderr);
        assertTrue(stderr.get(0).contains(expected), "stderr: " + stderr);
        assertTrue(!stderr.get(0).contains("Exception"), "no exception names: " + stderr);
    }
}
