package org.nioecho.client.scenario;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.nioecho.harness.ServerProcess;
import org.nioecho.kernel.KernelEvent;
import org.nioecho.kernel.TcpState;
import org.nioecho.kernel.TcpTracer;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.nioecho.client.scenario.HtmlReportPages.arrows;
import static org.nioecho.client.scenario.HtmlReportPages.parse;
import static org.nioecho.client.scenario.HtmlReportPages.texts;

/**
 * Pictures of real runs: the echo server as a child process, a loopback client, and the
 * kernel's own record from {@link TcpTracer} (root only). With {@code -Dnioecho.pictures=DIR}
 * the pages are left in DIR to look at; otherwise in a temporary directory.
 */
@Timeout(120)
class HtmlReportCaptureTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final byte[] HELLO = "hello\n".getBytes(StandardCharsets.US_ASCII);

    /** The records drawn, for an index of them all when the pages are kept. */
    private static final List<ScenarioRecord> DRAWN = new java.util.concurrent.CopyOnWriteArrayList<>();

    @AfterAll
    static void indexesThePicturesKept() throws IOException {
        String kept = System.getProperty("nioecho.pictures");
        if (kept != null && !DRAWN.isEmpty()) {
            HtmlReport.write(Path.of(kept), DRAWN);
        }
    }

    @BeforeAll
    static void needsTracepoints() {
        assumeTrue(TcpTracer.unavailableReason().isEmpty(),
                () -> "skipped: " + TcpTracer.unavailableReason().orElse(""));
    }

    @Test
    void drawsARealPlainCloseAsTheTextbookDoes(@TempDir Path temp) throws Exception {
        ScenarioRecord record;
        List<TimelineEntry> timeline = new ArrayList<>();
        long start;
        try (ServerProcess server = startServer(); TcpTracer tracer = TcpTracer.start(Set.of(server.port()), e -> { })) {
            start = System.nanoTime();
            int port = server.port();
            try (Socket client = connect(server, timeline)) {
                echo(client, timeline);
                client.close();
                log(timeline, "client", "close", "ok");
                awaitEvent(tracer, e -> e.local().getPort() == port && e.kind() == KernelEvent.Kind.STATE
                        && e.from() == TcpState.LAST_ACK && e.to() == TcpState.CLOSE);
            }
            tracer.sync(WAIT);
            record = new ScenarioRecord(new Verdict("normal-close", new NormalCloseScenario().notesSay(),
                    "client FIN_WAIT1 → FIN_WAIT2 → TIME_WAIT entry, server CLOSE_WAIT → LAST_ACK → CLOSE "
                            + "(a capture by HtmlReportCaptureTest: one echo, then close)", Outcome.MATCH),
                    "tracepoints", start, timeline, tracer.events(), Set.of(port), tracer.overruns());
        }
        Path dir = pictures(temp);
        HtmlReport.write(dir, List.of(record));
        DRAWN.add(record);
        var doc = parse(Files.readString(dir.resolve("normal-close.html")));
        List<String> client = texts(doc, "state-client");
        List<String> server = texts(doc, "state-server");
        assertEquals(List.of("SYN_SENT", "ESTABLISHED", "FIN_WAIT1", "FIN_WAIT2", "CLOSE"), client, "client: " + record.events());
        assertEquals(List.of("SYN_RECV", "ESTABLISHED", "CLOSE_WAIT", "LAST_ACK", "CLOSE"), server, "server: " + record.events());
        assertEquals(2, arrows(doc, "fin").size());
        assertEquals(0, arrows(doc, "unconfirmed").size(), "both FINs seen arriving");
        assertEquals(0, arrows(doc, "rst").size());
        parse(Files.readString(dir.resolve("index.html")));
    }

    @Test
    void drawsARealKilledServerWithItsResetAndTheClientsBrokenPipe(@TempDir Path temp) throws Exception {
        ScenarioRecord record;
        List<TimelineEntry> timeline = new ArrayList<>();
        long start;
        try (ServerProcess server = startServer(); TcpTracer tracer = TcpTracer.start(Set.of(server.port()), e -> { })) {
            start = System.nanoTime();
            int port = server.port();
            try (Socket client = connect(server, timeline)) {
                echo(client, timeline);
                server.signal("KILL");
                log(timeline, "signal", "SIGKILL to server pid " + server.pid(), null);
                log(timeline, "server", "exited with code " + server.awaitExit(WAIT), null);
                awaitEvent(tracer, e -> e.local().getPort() == client.getLocalPort() && e.to() == TcpState.CLOSE_WAIT);
                int read = client.getInputStream().read(new byte[64]);
                log(timeline, "client", "read", read < 0 ? "EOF (-1)" : read + " bytes");
                write(client, "again\n", timeline);
                awaitEvent(tracer, e -> e.kind() == KernelEvent.Kind.RESET_RECEIVED && e.local().getPort() == client.getLocalPort());
                write(client, "and again\n", timeline);
            }
            tracer.sync(WAIT);
            record = new ScenarioRecord(new Verdict("server-killed", new ServerKilledScenario().notesSay(),
                    "read → EOF, write → ok (RST came back), second write → EPIPE "
                            + "(a capture by HtmlReportCaptureTest)", Outcome.MATCH),
                    "tracepoints", start, timeline, tracer.events(), Set.of(port), tracer.overruns());
        }
        Path dir = pictures(temp);
        HtmlReport.write(dir, List.of(record));
        DRAWN.add(record);
        var doc = parse(Files.readString(dir.resolve("server-killed.html")));
        assertEquals(1, arrows(doc, "fin").size(), "the dead server's kernel closed with FIN: " + record.events());
        assertEquals(1, arrows(doc, "rst").size(), "the write drew an RST: " + record.events());
        assertTrue(texts(doc, "error-client").contains("error EPIPE (32) stored"), "errors: " + texts(doc, "error-client"));
        assertTrue(texts(doc, "state-client").contains("CLOSE_WAIT"));
    }

    private static ServerProcess startServer() throws IOException, InterruptedException {
        return ServerProcess.builder().jvmOptions("-Xmx64m", "-XX:+UseSerialGC").start();
    }

    private static Socket connect(ServerProcess server, List<TimelineEntry> timeline) throws IOException {
        Socket client = new Socket();
        client.setSoTimeout((int) WAIT.toMillis());
        client.connect(server.address(), (int) WAIT.toMillis());
        log(timeline, "client", "connect :" + server.port(), "ok, local port " + client.getLocalPort());
        return client;
    }

    private static void echo(Socket client, List<TimelineEntry> timeline) throws IOException {
        client.getOutputStream().write(HELLO);
        log(timeline, "client", "write " + HELLO.length + " bytes", "ok");
        byte[] echoed = client.getInputStream().readNBytes(HELLO.length);
        log(timeline, "client", "read " + HELLO.length + " bytes", echoed.length + " bytes");
        assertEquals(new String(HELLO, StandardCharsets.US_ASCII), new String(echoed, StandardCharsets.US_ASCII));
    }

    private static void write(Socket client, String text, List<TimelineEntry> timeline) {
        byte[] data = text.getBytes(StandardCharsets.US_ASCII);
        String result;
        try {
            client.getOutputStream().write(data);
            result = "ok";
        } catch (IOException e) {
            result = Call.threw(e).describe("");
        }
        log(timeline, "client", "write " + data.length + " bytes", result);
    }

    private static void awaitEvent(TcpTracer tracer, Predicate<KernelEvent> wanted) {
        await().atMost(WAIT).until(() -> {
            tracer.sync(WAIT);
            return tracer.events().stream().anyMatch(wanted);
        });
    }

    private static void log(List<TimelineEntry> timeline, String actor, String action, String result) {
        timeline.add(new TimelineEntry(System.nanoTime(), actor, action, result));
    }

    private static Path pictures(Path temp) throws IOException {
        String dir = System.getProperty("nioecho.pictures");
        return dir == null ? temp : Files.createDirectories(Path.of(dir));
    }
}
