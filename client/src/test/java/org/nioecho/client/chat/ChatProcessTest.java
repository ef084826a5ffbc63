package org.nioecho.client.chat;

import org.nioecho.client.ClientProcess;
import org.nioecho.client.TestSupport;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nioecho.client.ExitCodes;
import org.nioecho.harness.ServerProcess;
import org.nioecho.kernel.TcpState;
import org.nioecho.kernel.TcpTable;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nioecho.client.TestSupport.assertOneClearLine;
import static org.nioecho.client.TestSupport.clientSide;
import static org.nioecho.client.TestSupport.serverSide;

/** {@code chat} as a real process against a real server process: batch echo and every failure's exit code. */
class ChatProcessTest {
    private static final Duration EXIT_WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    @Test
    void batchRoundTripOfLargeRandomBinaryFileIsIdentical() throws Exception {
        Path input = dir.resolve("input.bin");
        Path output = dir.resolve("output.bin");
        writeRandomFile(input, 64 * 1024 * 1024 + 12_345);
        try (ServerProcess server = ServerProcess.builder().jvmOptions("-Xmx64m").start();
             ClientProcess client = ClientProcess.start(dir, input.toFile(), output.toFile(),
                     "--port", Integer.toString(server.port()))) {
            assertTrue(client.awaitExit(Duration.ofSeconds(120)), "client did not finish");
            assertEquals(0, client.exitCode(), "exit code; stderr: " + client.stderrLines());
            assertEquals(Files.size(input), Files.size(output));
            assertEquals(-1, Files.mismatch(input, output), "echoed file differs");
            assertEquals(0, client.stderrLines().size(), "stderr: " + client.stderrLines());
        }
    }

    @Test
    void serverKilledWhileClientWaitsOnIdleStdinIsReportedWithinOneSecond() throws Exception {
        try (ServerProcess server = ServerProcess.builder().start();
             ClientProcess client = ClientProcess.start(dir, null, null, "--port", Integer.toString(server.port()))) {
            client.type("ping\n");
            assertArrayEquals("ping\n".getBytes(StandardCharsets.UTF_8), client.readOutput(5, EXIT_WAIT));

            server.signal("KILL");
            assertTrue(server.awaitExit(EXIT_WAIT) >= 0, "server still running");
            assertTrue(client.awaitExit(Duration.ofSeconds(1)), "client did not notice within a second");

            assertEquals(ExitCodes.PREMATURE_EOF, client.exitCode());
            assertOneClearLine(client.stderrLines(), "server terminated prematurely (EOF while connected and idle");
        }
    }

    @Test
    void serverResetIsReportedAsReset() throws Exception {
        try (ServerProcess server = ServerProcess.builder().start();
             ClientProcess client = ClientProcess.start(dir, null, null, "--port", Integer.toString(server.port()))) {
            client.type("ping\n");
            client.readOutput(5, EXIT_WAIT);
            // A stopped server leaves bytes unread; killed then, its kernel answers with RST, not FIN.
            TestSupport.stopProcess(server);
            client.type("unread\n");
            awaitKernel(client, server.port(), () -> serverSide(server.port()).stream().anyMatch(e -> e.receiveQueue() > 0));
            server.signal("KILL");

            assertTrue(client.awaitExit(EXIT_WAIT), "client did not end: " + client.describe());
            assertEquals(ExitCodes.RESET, client.exitCode());
            assertOneClearLine(client.stderrLines(), "connection reset by the server (ECONNRESET)");
        }
    }

    @Test
    void refusedConnectionGivesItsOwnExitCode() throws Exception {
        int port;
        try (ServerSocket unused = new ServerSocket(0)) {
            port = unused.getLocalPort();
        }
        try (ClientProcess client = ClientProcess.start(dir, null, null, "--port", Integer.toString(port))) {
            assertTrue(client.awaitExit(EXIT_WAIT), "client did not end: " + client.describe());
            assertEquals(ExitCodes.REFUSED, client.exitCode());
            assertOneClearLine(client.stderrLines(), "connection refused by 127.0.0.1:" + port + " (ECONNREFUSED)");
        }
    }

    /**
     * The notes' second write: the server dies (FIN), the client writes once (the server's
     * kernel answers RST), then writes again: EPIPE. The client's reader is kept from seeing
     * the FIN by a full standard output that this test does not read.
     */
    @Test
    void writeAfterTheServersResetIsABrokenPipe() throws Exception {
        try (ServerProcess server = ServerProcess.builder().start();
             ClientProcess client = ClientProcess.start(dir, null, null, "--port", Integer.toString(server.port()))) {
            int port = server.port();
            // Fill the client's stdout pipe (not read by this test) until its reader blocks and echoes
            // wait in its socket; small steps, each echoed completely, so the server owes nothing.
            byte[] step = new byte[8 * 1024];
            for (int sent = 0; clientSide(port).map(e -> e.receiveQueue() < step.length).orElse(true); sent += step.length) {
                assertTrue(sent < 1024 * 1024, "the client's reader never blocked");
                client.stdin().write(step);
                client.stdin().flush();
                awaitKernel(client, port, () -> clientSide(port).map(e -> e.sendQueue() == 0).orElse(false)
                        && serverSide(port).stream().allMatch(e -> e.receiveQueue() == 0 && e.sendQueue() == 0));
            }
            server.signal("KILL");
            assertTrue(server.awaitExit(EXIT_WAIT) >= 0, "server still running");
            awaitKernel(client, server.port(), () -> clientSide(port).map(e -> e.state() == TcpState.CLOSE_WAIT).orElse(false));

            client.type("first write, answered by RST\n");
            awaitKernel(client, server.port(), () -> clientSide(port).isEmpty());
            client.type("second write\n");

            assertTrue(client.awaitExit(EXIT_WAIT), "client did not end: " + client.describe());
            assertEquals(ExitCodes.BROKEN_PIPE, client.exitCode(), "stderr: " + client.stderrLines());
            assertOneClearLine(client.stderrLines(), "broken pipe (EPIPE)");
        }
    }

    @Test
    void noEchoWithinTheTimeoutIsTimedOut() throws Exception {
        try (ServerProcess server = ServerProcess.builder().start();
             ClientProcess client = ClientProcess.start(dir, null, null,
                     "--port", Integer.toString(server.port()), "--timeout", "500ms")) {
            client.type("ping\n");
            client.readOutput(5, EXIT_WAIT);
            TestSupport.stopProcess(server);
            client.type("no answer\n");

            assertTrue(client.awaitExit(EXIT_WAIT), () -> "client did not give up; sockets: " + sockets(server.port())
                    + "; server /proc stat: " + procStat(server.pid()) + "; " + describe(client));
            assertEquals(ExitCodes.TIMED_OUT, client.exitCode());
            assertOneClearLine(client.stderrLines(), "timed out: no echo within 500 ms");
        }
    }

    /** The server reads what was sent, echoes part of it and closes (FIN): echoes were owed, so exit 4. */
    @Test
    void serverClosingWhileEchoesAreOwedIsAPrematureEof() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             ClientProcess client = ClientProcess.start(dir, null, null, "--port", Integer.toString(listener.getLocalPort()))) {
            listener.setSoTimeout((int) EXIT_WAIT.toMillis());
            try (Socket peer = listener.accept()) {
                peer.setSoTimeout((int) EXIT_WAIT.toMillis());
                client.type("hello\n");
                byte[] received = peer.getInputStream().readNBytes(6);
                assertEquals("hello\n", new String(received, StandardCharsets.US_ASCII));
                peer.getOutputStream().write(received, 0, 2);
            } // everything sent was read, so close sends FIN, not RST
            assertArrayEquals("he".getBytes(StandardCharsets.US_ASCII), client.readOutput(2, EXIT_WAIT));

            assertTrue(client.awaitExit(EXIT_WAIT), "client did not end: " + client.describe());
            assertEquals(ExitCodes.PREMATURE_EOF, client.exitCode(), client.describe());
            assertOneClearLine(client.stderrLines(), "server terminated prematurely (EOF after 6 bytes sent, 2 echoed)");
        }
    }

    /** A server that reads everything and never echoes: {@code --timeout} ends the wait with exit 7. */
    @Test
    void serverThatReadsButNeverEchoesHitsTheTimeout() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             ClientProcess client = ClientProcess.start(dir, null, null, "--port", Integer.toString(listener.getLocalPort()),
                     "--timeout", "500ms")) {
            listener.setSoTimeout((int) EXIT_WAIT.toMillis());
            try (Socket peer = listener.accept()) {
                peer.setSoTimeout((int) EXIT_WAIT.toMillis());
                long start = System.nanoTime();
                client.type("ping\n");
                assertEquals(5, peer.getInputStream().readNBytes(5).length, "the server read the bytes");

                assertTrue(client.awaitExit(EXIT_WAIT), "client did not give up: " + client.describe());
                assertTrue(Duration.ofNanos(System.nanoTime() - start).toMillis() >= 500, "gave up before the timeout");
                assertEquals(ExitCodes.TIMED_OUT, client.exitCode(), client.describe());
                assertOneClearLine(client.stderrLines(), "timed out: no echo within 500 ms (5 bytes owed; 5 sent, 0 echoed)");
            }
        }
    }

    /**
     * Linux drops a SYN while the listener's accept queue is full: fill the queue of a
     * listener that never accepts, and the client's connect gets no SYN-ACK, so
     * {@code --connect-timeout} ends it with exit 7.
     */
    @Test
    void noSynAckWithinTheConnectTimeoutIsTimedOut() throws Exception {
        List<Socket> queued = new ArrayList<>();
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.getLocalPort());
            boolean full = false;
            for (int i = 0; i < 16 && !full; i++) {
                Socket socket = new Socket();
                queued.add(socket);
                try {
                    socket.connect(address, 300);
                } catch (SocketTimeoutException e) {
                    full = true;
                }
            }
            assertTrue(full, "the accept queue never filled: " + queued.size() + " connections");

            long start = System.nanoTime();
            try (ClientProcess client = ClientProcess.start(dir, null, null, "--port", Integer.toString(listener.getLocalPort()),
                    "--connect-timeout", "1s")) {
                assertTrue(client.awaitExit(EXIT_WAIT), "client did not give up: " + client.describe());
                assertTrue(Duration.ofNanos(System.nanoTime() - start).toMillis() >= 1000, "gave up before the timeout");
                assertEquals(ExitCodes.TIMED_OUT, client.exitCode(), client.describe());
                assertOneClearLine(client.stderrLines(),
                        "timed out connecting to 127.0.0.1:" + listener.getLocalPort() + " (no answer within 1 s)");
            }
        } finally {
            for (Socket socket : queued) {
                socket.close();
            }
        }
    }

    @Test
    void keepaliveOptionsReachTheKernelAndInputEofEndsCleanly() throws Exception {
        try (ServerProcess server = ServerProcess.builder().start();
             ClientProcess client = ClientProcess.start(dir, null, null, "--port", Integer.toString(server.port()),
                     "--keepalive-idle", "7s", "--keepalive-interval", "1s", "--keepalive-count", "3")) {
            client.type("ping\n");
            client.readOutput(5, EXIT_WAIT);
            // The kernel runs the keepalive timer (2) on the idle client socket, set to at most 7 s.
            awaitKernel(client, server.port(), () -> clientSide(server.port())
                    .map(e -> e.timer() == 2 && e.timerJiffies() <= 700).orElse(false));

            client.stdin().close();
            assertTrue(client.awaitExit(EXIT_WAIT), "client did not end: " + client.describe());
            assertEquals(ExitCodes.OK, client.exitCode(), client.describe());
            assertEquals(0, client.stderrLines().size(), client.describe());
        }
    }

    private static String sockets(int port) {
        try {
            Path out = Files.createTempFile("ss", ".txt");
            Process ss = new ProcessBuilder("ss", "-tni", "( sport = :" + port + " or dport = :" + port + " )")
                    .redirectErrorStream(true).redirectOutput(out.toFile()).start();
            ss.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
            String text = Files.readString(out);
            Files.delete(out);
            return TcpTable.onPort(port) + "\nss -tni:\n" + text;
        } catch (IOException | InterruptedException e) {
            return "(unreadable: " + e + ")";
        }
    }

    private static String procStat(long pid) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    private static String describe(ClientProcess client) {
        try {
            return client.describe();
        } catch (IOException | InterruptedException e) {
            return "(cannot describe the client: " + e + ")";
        }
    }

    /** Waits for a condition on the kernel's sockets; a timeout shows them and the client. */
    private static void awaitKernel(ClientProcess client, int port, Callable<Boolean> condition) throws Exception {
        try {
            await().atMost(EXIT_WAIT).until(condition);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("condition not met; sockets on port " + port + ": " + TcpTable.onPort(port)
                    + "; " + client.describe(), e);
        }
    }

    private static void writeRandomFile(Path file, int size) throws IOException {
        Random random = new Random(size);
        byte[] chunk = new byte[1 << 20];
        try (var out = Files.newOutputStream(file)) {
            for (int left = size; left > 0; left -= chunk.length) {
                random.nextBytes(chunk);
                out.write(chunk, 0, Math.min(left, chunk.length));
            }
        }
    }
}
