package org.nioecho.harness;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The launcher's external-command mode, with {@code /bin/sh -c} running {@link TinyEchoServer}
 * on this JVM's java and test class path (nothing else need be installed): readiness by the
 * port in LISTEN or by the printed line, process trees ended whole, start failures explained.
 */
@Timeout(120)
class CommandProcessTest {
    private static final Duration START = Duration.ofSeconds(30);

    /** {@code ECHO_PORT=PORT java -cp ... TinyEchoServer ARGS}, for a shell command line. */
    private static String tinyEcho(String port, String... args) {
        return "ECHO_PORT=" + port + " '" + Path.of(System.getProperty("java.home"), "bin", "java") + "' -Xmx32m -cp '"
                + System.getProperty("java.class.path") + "' " + TinyEchoServer.class.getName() + " " + String.join(" ", args);
    }

    @Test
    void aShellCommandIsReadyOnceItsPortListensAndCloseKillsItsWholeTree() throws Exception {
        int port = Listening.freeLoopbackPort();
        List<ProcessHandle> tree;
        // "& wait": the shell stays, the server is its child, so the tree has two levels
        try (ServerProcess server = ServerProcess.command("/bin/sh", "-c", tinyEcho(Integer.toString(port)) + " & wait")
                .readyWhenListening(port).startTimeout(START).start()) {
            assertEquals(port, server.port());
            assertTrue(Listening.isListening(port));
            assertEquals("ping", echo(server, "ping"));
            tree = ProcessTreeKill.snapshot(ProcessHandle.of(server.pid()).orElseThrow());
            assertTrue(tree.size() >= 2, "the shell and its java child: " + tree);
        }
        for (ProcessHandle p : tree) {
            assertFalse(p.isAlive(), "pid " + p.pid() + " of the tree outlived close()");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> !Listening.isListening(port));
    }

    @Test
    void aCommandThatPrintsItsAddressIsReadyOnThatLine() throws Exception {
        try (ServerProcess server = ServerProcess.command("/bin/sh", "-c", tinyEcho("0", "announce"))
                .name("tiny-echo").startTimeout(START).start()) {
            assertTrue(server.port() > 0);
            assertTrue(server.stdout().get(0).startsWith("nioecho tiny echo listening on 127.0.0.1:" + server.port()),
                    server.stdout().toString());
            assertEquals("pong", echo(server, "pong"));
        }
    }

    @Test
    void stopSendsSigtermToEveryProcessOfTheTreeAndReturnsTheExitCode() throws Exception {
        int port = Listening.freeLoopbackPort();
        ServerProcess server = ServerProcess.command("/bin/sh", "-c", tinyEcho(Integer.toString(port)) + " & wait")
                .readyWhenListening(port).startTimeout(START).start();
        List<ProcessHandle> tree;
        try {
            tree = ProcessTreeKill.snapshot(ProcessHandle.of(server.pid()).orElseThrow());
            assertEquals(128 + 15, server.stop(Duration.ofSeconds(20)), "the shell ends by SIGTERM:" + server.lastOutput());
        } finally {
            server.close();
        }
        assertTrue(server.lastOutput().contains("tiny echo stopped"),
                "the java child got SIGTERM too and ran its shutdown hook:" + server.lastOutput());
        for (ProcessHandle p : tree) {
            assertFalse(p.isAlive(), "pid " + p.pid() + " of the tree outlived stop()");
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aCommandThatExitsIsReportedWithItsExitCodeAndOutput(boolean readyByPort) {
        // as a JVM does, it closes its output a moment before it exits: its exit code is still the one reported
        ServerProcess.CommandBuilder broken = ServerProcess.command("/bin/sh", "-c",
                        "echo 'cannot listen: no' >&2; exec >&- 2>&-; sleep 0.3; exit 7")
                .name("broken").startTimeout(START);
        if (readyByPort) {
            broken.readyWhenListening(1);
        }
        IOException e = assertThrows(IOException.class, broken::start);
        assertTrue(e.getMessage().startsWith("broken did not start"), e.getMessage());
        assertTrue(e.getMessage().contains("(exit code 7)"), e.getMessage());
        assertTrue(e.getMessage().contains("stderr: cannot listen: no"), e.getMessage());
    }

    @Test
    void aCommandThatNeverListensIsKilledAfterTheStartTimeout() throws Exception {
        int port = Listening.freeLoopbackPort();
        IOException e = assertThrows(IOException.class, () -> ServerProcess.command("/bin/sh", "-c",
                "echo $$; exec sleep 60").readyWhenListening(port).startTimeout(Duration.ofMillis(500)).start());
        assertTrue(e.getMessage().contains("(still running, killed)"), e.getMessage());
        long pid = Long.parseLong(e.getMessage().substring(e.getMessage().lastIndexOf("\n  ") + 3).trim());
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "sleep " + pid + " still runs");
    }

    @Test
    void readsTheListeningLine() throws IOException {
        assertEquals(9000, Listening.parse("nioecho echo-server listening on 127.0.0.1:9000").orElseThrow().getPort());
        assertEquals(InetAddress.getByName("::1"), Listening.parse("x listening on [::1]:80  ").orElseThrow().getAddress());
        assertEquals("127.0.0.1", Listening.parse("x listening on 127.0.0.1:80").orElseThrow().getHostString());
        assertTrue(Listening.parse("metrics on http://127.0.0.1:9100/metrics").isEmpty());
        assertTrue(Listening.parse("listening on nowhere").isEmpty());
    }

    @Test
    void seesNoListenerOnAClosedPort() throws IOException {
        assertFalse(Listening.isListening(Listening.freeLoopbackPort()));
    }

    private static String echo(ServerProcess server, String text) throws IOException {
        try (Socket socket = new Socket(server.address().getAddress(), server.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
            socket.shutdownOutput();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        }
    }
}
