package org.nioecho.client;

import org.nioecho.server.ServerProcess;
import org.nioecho.server.TcpState;
import org.nioecho.server.TcpTable;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Helpers shared by the client tests: the server's own counters, the kernel's socket table. */
final class TestSupport {
    private static final Pattern SUMMARY =
            Pattern.compile("nioecho server stopped: (\\d+) connections, (\\d+) bytes in, (\\d+) bytes out");

    private TestSupport() {
    }

    /** The server's own counts, from the summary it prints when stopped by SIGTERM. */
    record ServerCounts(long connections, long bytesIn, long bytesOut) {
    }

    /** Stops the server with SIGTERM and parses its summary line. */
    static ServerCounts stop(ServerProcess server) throws IOException, InterruptedException {
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

    /** The client side of the one connection to {@code serverPort}, if the kernel still lists it. */
    static Optional<TcpTable.Entry> clientSide(int serverPort) throws IOException {
        return TcpTable.onPort(serverPort).stream()
                .filter(e -> e.remote().getPort() == serverPort && e.local().getPort() != serverPort)
                .findFirst();
    }

    /** The server side of connections to {@code serverPort} (not the listener). */
    static List<TcpTable.Entry> serverSide(int serverPort) throws IOException {
        return TcpTable.onPort(serverPort).stream()
                .filter(e -> e.local().getPort() == serverPort && e.state() != TcpState.LISTEN)
                .toList();
    }

    /** One line, no stack trace, containing {@code expected}. */
    static void assertOneClearLine(List<String> stderr, String expected) {
        assertEquals(1, stderr.size(), "stderr should be exactly one line: " + stderr);
        assertTrue(stderr.get(0).contains(expected), "stderr: " + stderr);
        assertTrue(!stderr.get(0).contains("Exception"), "no exception names: " + stderr);
    }
}
