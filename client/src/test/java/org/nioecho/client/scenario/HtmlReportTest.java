package org.nioecho.client.scenario;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.nioecho.kernel.KernelEvent;
import org.nioecho.kernel.TcpState;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nioecho.client.scenario.HtmlReportPages.arrows;
import static org.nioecho.client.scenario.HtmlReportPages.attribute;
import static org.nioecho.client.scenario.HtmlReportPages.parse;
import static org.nioecho.client.scenario.HtmlReportPages.texts;

/** Pages drawn from hand-built records whose events are copied from real traces (times in µs). */
@Timeout(30)
class HtmlReportTest {
    private static final long START = 1_000_000_000L;
    private static final int SERVER = 46861;
    private static final int CLIENT = 42240;
    private static final InetSocketAddress S = new InetSocketAddress("127.0.0.1", SERVER);
    private static final InetSocketAddress C = new InetSocketAddress("127.0.0.1", CLIENT);

    /** A plain close as traced on loopback: the client closes, the server follows 9 ms later. */
    static ScenarioRecord plainClose(String notes) {
        List<KernelEvent> events = List.of(
                state(276_731, new InetSocketAddress("127.0.0.1", 0), S, TcpState.CLOSE, TcpState.SYN_SENT),
                state(276_778, C, S, TcpState.SYN_SENT, TcpState.ESTABLISHED),
                state(276_785, S, C, TcpState.LISTEN, TcpState.SYN_RECV),
                state(276_789, S, C, TcpState.SYN_RECV, TcpState.ESTABLISHED),
                state(285_919, C, S, TcpState.ESTABLISHED, TcpState.FIN_WAIT1),
                state(285_925, S, C, TcpState.ESTABLISHED, TcpState.CLOSE_WAIT),
                state(285_950, C, S, TcpState.FIN_WAIT1, TcpState.FIN_WAIT1),
                state(295_094, S, C, TcpState.CLOSE_WAIT, TcpState.LAST_ACK),
                state(295_105, C, S, TcpState.FIN_WAIT1, TcpState.FIN_WAIT2),
                state(295_112, C, S, TcpState.FIN_WAIT2, TcpState.CLOSE),
                state(295_124, S, C, TcpState.LAST_ACK, TcpState.CLOSE));
        List<TimelineEntry> timeline = List.of(
                entry(276_900, "client", "connect :" + SERVER, "ok, local port " + CLIENT),
                entry(280_100, "client", "write 6 bytes", "ok"),
                entry(281_300, "client", "read 6 bytes", "6 bytes"),
                entry(285_990, "client", "close", "ok"),
                entry(295_300, "kernel", "client TIME_WAIT, server gone", null));
        return new ScenarioRecord(new Verdict("normal-close", notes, "client FIN_WAIT1 → FIN_WAIT2 → TIME_WAIT",
                Outcome.MATCH), "tracepoints", START, timeline, events, Set.of(SERVER), 0);
    }

    /** kill -9 of the server: its kernel sends FIN, the client's write draws an RST, EPIPE is stored. */
    static ScenarioRecord serverKilled() {
        List<KernelEvent> events = List.of(
                state(12_000, S, C, TcpState.ESTABLISHED, TcpState.FIN_WAIT1),
                state(12_006, C, S, TcpState.ESTABLISHED, TcpState.CLOSE_WAIT),
                state(12_010, S, C, TcpState.FIN_WAIT1, TcpState.FIN_WAIT1),
                state(12_050, new InetSocketAddress("127.0.0.1", SERVER), new InetSocketAddress("0.0.0.0", 0),
                        TcpState.LISTEN, TcpState.CLOSE),
                state(52_400, S, C, TcpState.FIN_WAIT1, TcpState.FIN_WAIT2),
                state(2_052_700, S, C, TcpState.FIN_WAIT2, TcpState.CLOSE),
                new KernelEvent(nanos(2_052_705), KernelEvent.Kind.RESET_SENT, S, C, TcpState.CLOSE, null, 0,
                        "TCP_ABORT_ON_DATA"),
                new KernelEvent(nanos(2_052_716), KernelEvent.Kind.RESET_RECEIVED, C, S, TcpState.CLOSE_WAIT, null, 0,
                        null),
                state(2_052_717, C, S, TcpState.CLOSE_WAIT, TcpState.CLOSE),
                new KernelEvent(nanos(2_052_718), KernelEvent.Kind.ERROR, C, S, TcpState.CLOSE, null, 32, null));
        List<TimelineEntry> timeline = List.of(
                entry(5_000, "signal", "SIGKILL to server pid 4242", null),
                entry(1_800_000, "server", "exited with code 137", null),
                entry(2_050_000, "client", "read", "EOF (-1)"),
                entry(2_052_690, "client", "write 6 bytes", "ok"),
                entry(2_060_000, "client", "write 10 bytes", "SocketException: Broken pipe (EPIPE)"));
        return new ScenarioRecord(new Verdict("server-killed", "read → EOF; write → ok, answered by RST; "
                + "second write → EPIPE", "read → EOF, write → ok (RST came back), second write → EPIPE",
                Outcome.MATCH), "tracepoints", START, timeline, events, Set.of(SERVER), 0);
    }

    @Test
    void drawsEachEndsStatesBesideItsLifelineAndTheClosingSegments() throws Exception {
        String page = HtmlReport.page(plainClose("closer FIN_WAIT_1 → FIN_WAIT_2 → TIME_WAIT"));
        var doc = parse(page);
        assertEquals(List.of("SYN_SENT", "ESTABLISHED", "FIN_WAIT1", "FIN_WAIT2", "CLOSE"),
                texts(doc, "state-client"), "client's states, the FIN_WAIT1 repeat left out");
        assertEquals(List.of("SYN_RECV", "ESTABLISHED", "CLOSE_WAIT", "LAST_ACK", "CLOSE"), texts(doc, "state-server"));
        assertEquals(List.of("a TIME_WAIT entry takes over"), texts(doc, "hint-client"));

        var fins = arrows(doc, "fin");
        assertEquals(2, fins.size(), "the client's FIN and the server's");
        var clientFin = fins.get(0);
        assertTrue(attribute(clientFin, "x2") > attribute(clientFin, "x1"), "client → server");
        assertTrue(attribute(clientFin, "y2") > attribute(clientFin, "y1"), "sloping down to the server's CLOSE_WAIT");
        var serverFin = fins.get(1);
        assertTrue(attribute(serverFin, "x2") < attribute(serverFin, "x1"), "server → client");
        assertEquals(List.of("FIN", "FIN, ACK"), texts(doc, "arrow-label").stream()
                .filter(t -> t.startsWith("FIN")).toList(), "the server's FIN carried the delayed ACK");
        assertEquals(1, arrows(doc, "ack").size(), "the last ACK, to the server's LAST_ACK → CLOSE");
        assertEquals(0, arrows(doc, "rst").size());
        assertEquals(0, arrows(doc, "unconfirmed").size(), "every segment's arrival is in the trace");
        assertEquals(2, arrows(doc, "data").size(), "hello and its echo");

        assertTrue(texts(doc, "call-client").contains("close → ok"), texts(doc, "call-client").toString());
        assertEquals(List.of("kernel: client TIME_WAIT, server gone"), texts(doc, "note-middle"));
        assertEquals(List.of("client", "server"), texts(doc, "head-name"));
        assertEquals(List.of("127.0.0.1:42240", "127.0.0.1:46861"), texts(doc, "head-address"));
        assertTrue(texts(doc, "time").contains("285.919"), "each row's time in ms");
    }

    @Test
    void drawsTheResetFromTheKilledServersPortAndTheErrorAtTheClient() throws Exception {
        var doc = parse(HtmlReport.page(serverKilled()));
        var rst = arrows(doc, "rst");
        assertEquals(1, rst.size());
        assertTrue(attribute(rst.get(0), "x2") < attribute(rst.get(0), "x1"), "from the server's lifeline to the client's");
        assertFalse(rst.get(0).getParentNode().getAttributes().getNamedItem("class").getNodeValue().contains("unconfirmed"),
                "the client's tcp_receive_reset confirms it");
        assertEquals(List.of("error EPIPE (32) stored"), texts(doc, "error-client"));
        assertEquals(List.of("sends RST"), texts(doc, "reset-server"));
        assertEquals(List.of("RST received"), texts(doc, "reset-client"));
        assertEquals(1, arrows(doc, "fin").size(), "the dead server's kernel closed with FIN");
        assertEquals(List.of("TCP_ABORT_ON_DATA"), texts(doc, "hint-server"),
                "the RST's reason, and no TIME_WAIT: FIN_WAIT2 → CLOSE was the RST's doing");
        assertEquals(List.of("signal: SIGKILL to server pid 4242"), texts(doc, "note-middle"));
        assertEquals(List.of("FIN_WAIT1", "listener: CLOSE", "FIN_WAIT2", "CLOSE"), texts(doc, "state-server"),
                "the listener's end is named");
        assertTrue(texts(doc, "call-client").stream().map(t -> t.replace(" ", ""))
                .anyMatch("write10bytes→SocketException:Brokenpipe(EPIPE)"::equals), "wrapped: " + texts(doc, "call-client"));
        assertEquals(1, arrows(doc, "data").size(), "only the write that returned ok sent data");
        assertEquals(List.of("1.75 s later", "250 ms later"), texts(doc, "gap"), "the long pauses are marked");
    }

    @Test
    void escapesEveryTextSoThePageStillParses() throws Exception {
        String nasty = "a <b>&amp; \"quoted\" 'single' ]]> <!-- \u0001 -->";
        ScenarioRecord plain = plainClose(nasty);
        ScenarioRecord record = new ScenarioRecord(new Verdict("x<&>y", nasty, nasty, Outcome.MISMATCH), "tracepoints",
                START, List.of(entry(1_000, "client", nasty, nasty), entry(2_000, "kernel", nasty, null)),
                plain.events(), plain.serverPorts(), 0);
        var doc = parse(HtmlReport.page(record));
        String escapedNasty = nasty.replace('\u0001', '\uFFFD');
        assertEquals("nioecho scenario x<&>y", doc.getElementsByTagNameNS("*", "title").item(0).getTextContent());
        assertTrue(doc.getDocumentElement().getTextContent().contains(escapedNasty));
        parse(HtmlReport.index(List.of(record), HtmlReport.fileNames(List.of(record))));
    }

    @Test
    void drawsPolledRunsAsCallsAndNotes() throws Exception {
        ScenarioRecord polled = new ScenarioRecord(new Verdict("half-close", "notes", "seen", Outcome.MATCH), "polling",
                START, List.of(
                        entry(100, "client", "connect :9877", "ok, local port 50338"),
                        entry(300, "client", "write 5 bytes", "ok"),
                        entry(6_000_000, "kernel", "client FIN_WAIT2, server CLOSE_WAIT", null)),
                List.of(), Set.of(9877), 0);
        var doc = parse(HtmlReport.page(polled));
        assertEquals(List.of("kernel: client FIN_WAIT2, server CLOSE_WAIT"), texts(doc, "polled-middle"));
        assertEquals(List.of(), texts(doc, "state-client"));
        assertEquals(List.of(":50338", ":9877"), texts(doc, "head-address"), "ends named by the connect call");
        assertEquals(1, arrows(doc, "data").size());
    }

    @Test
    void writesAPagePerScenarioAndAnIndexOfVerdicts(@TempDir Path dir) throws Exception {
        ScenarioRecord skipped = new ScenarioRecord(new Verdict("host-crash", "notes", "skipped: not root",
                Outcome.SKIPPED), "polling", START, List.of(), List.of(), Set.of(), 0);
        List<ScenarioRecord> records = new ArrayList<>(List.of(plainClose("notes"), serverKilled(), skipped));
        records.add(new ScenarioRecord(new Verdict("../normal-close", "n", "o", Outcome.MISMATCH), "polling", START,
                List.of(), List.of(), Set.of(), 0));
        HtmlReport.write(dir, records);
        for (String file : List.of("normal-close.html", "server-killed.html", "host-crash.html", "__normal-close.html")) {
            parse(Files.readString(dir.resolve(file)));
        }
        var index = parse(Files.readString(dir.resolve("index.html")));
        assertEquals(List.of("MATCH", "MATCH", "SKIPPED", "MISMATCH"), HtmlReportPages.byClass(index, "span", "verdict"));
        var links = index.getElementsByTagNameNS("*", "a");
        assertEquals(4, links.getLength());
        assertEquals("normal-close.html", links.item(0).getAttributes().getNamedItem("href").getNodeValue());
        assertEquals("__normal-close.html", links.item(3).getAttributes().getNamedItem("href").getNodeValue(),
                "a name cannot leave the directory");
        try (var files = Files.list(dir)) {
            assertEquals(5, files.count());
        }
    }

    @Test
    void keepsRowsEvenlySpacedForMicrosecondsAndMarksLongPauses() throws Exception {
        var doc = parse(HtmlReport.page(plainClose("n")));
        List<Double> ys = new ArrayList<>();
        var times = doc.getElementsByTagNameNS("*", "text");
        for (int i = 0; i < times.getLength(); i++) {
            var text = (org.w3c.dom.Element) times.item(i);
            if (text.getAttribute("class").equals("time")) {
                ys.add(Double.parseDouble(text.getAttribute("y")));
            }
        }
        assertEquals(15, ys.size(), "one row per state change (the repeat left out) and per timeline entry");
        for (int i = 1; i < ys.size(); i++) {
            assertTrue(ys.get(i) - ys.get(i - 1) >= 24, "rows 4 µs apart are still a row apart: " + ys);
        }
        assertEquals(List.of(), texts(doc, "gap"), "no pause of 50 ms or more in a plain close");
    }

    /** The server's host crashed (its namespace's link went down): the client retransmits, then times out. */
    static ScenarioRecord hostCrash() {
        InetSocketAddress client = new InetSocketAddress("198.18.0.1", 40000);
        InetSocketAddress server = new InetSocketAddress("198.18.0.2", 9877);
        List<KernelEvent> events = new ArrayList<>();
        for (long ms : new long[] {1_210, 1_620, 2_440, 4_080, 7_360}) {
            events.add(new KernelEvent(nanos(ms * 1000), KernelEvent.Kind.RETRANSMIT, client, server,
                    TcpState.ESTABLISHED, null, 0, null));
        }
        events.add(new KernelEvent(nanos(13_920_000), KernelEvent.Kind.ERROR, client, server, TcpState.ESTABLISHED,
                null, 110, null));
        events.add(state(13_920_010, client, server, TcpState.ESTABLISHED, TcpState.CLOSE));
        List<TimelineEntry> timeline = List.of(
                entry(900_000, "netns", "server namespace's link down (host crash)", null),
                entry(1_000_000, "client", "write 6 bytes", "ok"),
                entry(13_920_100, "client", "read (blocks)", "IOException: Connection timed out (ETIMEDOUT)"));
        return new ScenarioRecord(new Verdict("host-crash", "write ok; read → ETIMEDOUT", "read → ETIMEDOUT",
                Outcome.MATCH), "tracepoints", START, timeline, events, Set.of(9877), 0);
    }

    @Test
    void drawsACrashedHostsSilenceAsRetransmissionsThatGoNowhereOnAReadableScale() throws Exception {
        ScenarioRecord record = hostCrash();
        var doc = parse(HtmlReport.page(record));
        assertEquals(List.of("198.18.0.1:40000", "198.18.0.2:9877"), texts(doc, "head-address"), "the namespaces' hosts");
        assertEquals(5, arrows(doc, "retransmit").size());
        assertEquals(5, arrows(doc, "unconfirmed").size(), "no retransmission is seen arriving");
        assertEquals(List.of("error ETIMEDOUT (110) stored"), texts(doc, "error-client"));
        assertEquals(List.of("CLOSE"), texts(doc, "state-client"));
        assertTrue(texts(doc, "gap").contains("6.56 s later"), texts(doc, "gap").toString());
        double height = Double.parseDouble(((org.w3c.dom.Element) doc.getElementsByTagNameNS("*", "svg").item(
                doc.getElementsByTagNameNS("*", "svg").getLength() - 1)).getAttribute("height"));
        assertTrue(height < 700, "14 s fit on a page: " + height);
    }

    /** Both ends close at once (as traced on loopback): FIN_WAIT1 → CLOSING → CLOSE at each. */
    static ScenarioRecord simultaneousClose() {
        InetSocketAddress a = new InetSocketAddress("127.0.0.1", 50001);
        InetSocketAddress b = new InetSocketAddress("127.0.0.1", 50000);
        List<KernelEvent> events = List.of(
                state(100_000, a, b, TcpState.ESTABLISHED, TcpState.FIN_WAIT1),
                state(100_003, b, a, TcpState.ESTABLISHED, TcpState.FIN_WAIT1),
                state(100_010, b, a, TcpState.FIN_WAIT1, TcpState.CLOSING),
                state(100_012, a, b, TcpState.FIN_WAIT1, TcpState.CLOSING),
                state(100_020, b, a, TcpState.CLOSING, TcpState.CLOSE),
                state(100_022, a, b, TcpState.CLOSING, TcpState.CLOSE));
        return new ScenarioRecord(new Verdict("simultaneous-close", "both CLOSING, both TIME_WAIT",
                "seen", Outcome.MATCH), "tracepoints", START, List.of(), events, Set.of(50000), 0);
    }

    @Test
    void drawsASimultaneousCloseAsTwoCrossingFinsEachAcked() throws Exception {
        ScenarioRecord record = simultaneousClose();
        var doc = parse(HtmlReport.page(record));
        assertEquals(List.of("FIN_WAIT1", "CLOSING", "CLOSE"), texts(doc, "state-client"));
        assertEquals(List.of("FIN_WAIT1", "CLOSING", "CLOSE"), texts(doc, "state-server"));
        var fins = arrows(doc, "fin");
        assertEquals(2, fins.size());
        assertTrue(attribute(fins.get(0), "y2") > attribute(fins.get(1), "y1")
                && attribute(fins.get(1), "y2") > attribute(fins.get(0), "y1"), "the FINs cross");
        assertEquals(2, arrows(doc, "ack").size(), "each end acks the other's FIN in CLOSING");
        assertEquals(0, arrows(doc, "unconfirmed").size());
        assertEquals(List.of("a TIME_WAIT entry takes over", "a TIME_WAIT entry takes over"),
                HtmlReportPages.byClass(doc, "text", "hint"));
    }

    @Test
    void numbersTheConnectionsWhenThereAreSeveral() throws Exception {
        InetSocketAddress second = new InetSocketAddress("127.0.0.1", 42250);
        List<KernelEvent> events = List.of(
                state(1_000, C, S, TcpState.ESTABLISHED, TcpState.FIN_WAIT1),
                state(1_005, S, C, TcpState.ESTABLISHED, TcpState.CLOSE_WAIT),
                state(2_000, second, S, TcpState.ESTABLISHED, TcpState.FIN_WAIT1),
                state(2_005, S, second, TcpState.ESTABLISHED, TcpState.CLOSE_WAIT));
        ScenarioRecord record = new ScenarioRecord(new Verdict("two", "n", "o", Outcome.MATCH), "tracepoints", START,
                List.of(), events, Set.of(SERVER), 0);
        var doc = parse(HtmlReport.page(record));
        assertEquals(List.of("#1 FIN_WAIT1", "#2 FIN_WAIT1"), texts(doc, "state-client"));
        assertEquals(List.of("#1 CLOSE_WAIT", "#2 CLOSE_WAIT"), texts(doc, "state-server"));
        assertEquals(2, arrows(doc, "fin").size());
        assertEquals(0, arrows(doc, "unconfirmed").size(), "each FIN arrives on its own connection");
        assertEquals(List.of("127.0.0.1:42240, 127.0.0.1:42250", "127.0.0.1:46861"), texts(doc, "head-address"));
    }

    @Test
    void drawsAtMostAPageOfRowsAndSaysHowManyAreLeftOut() throws Exception {
        List<KernelEvent> events = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            InetSocketAddress client = new InetSocketAddress("127.0.0.1", 30000 + i);
            events.add(state(i * 100L, client, S, TcpState.SYN_SENT, TcpState.ESTABLISHED));
            events.add(state(i * 100L + 50, client, S, TcpState.ESTABLISHED, TcpState.FIN_WAIT1));
        }
        ScenarioRecord record = new ScenarioRecord(new Verdict("many-close", "n", "o", Outcome.MATCH), "tracepoints",
                START, List.of(), events, Set.of(SERVER), 0);
        var doc = parse(HtmlReport.page(record));
        assertEquals(SequenceDiagram.MAX_ROWS, texts(doc, "time").size());
        assertEquals(List.of("600 later events and calls are not drawn (at most 400 rows)"), texts(doc, "left-out"));
    }

    /** All the hand-built pages in one report; with {@code -Dnioecho.pictures=DIR} they are kept there to look at. */
    @Test
    void writesEveryHandBuiltPageAsWellFormedXhtml(@TempDir Path temp) throws Exception {
        String kept = System.getProperty("nioecho.pictures");
        Path dir = kept == null ? temp : Path.of(kept).resolve("hand-built");
        List<ScenarioRecord> records = List.of(plainClose("notes"), serverKilled(), hostCrash(), simultaneousClose());
        HtmlReport.write(dir, records);
        for (String file : HtmlReport.fileNames(records)) {
            parse(Files.readString(dir.resolve(file)));
        }
        parse(Files.readString(dir.resolve("index.html")));
    }

    static KernelEvent state(long micros, InetSocketAddress local, InetSocketAddress remote, TcpState from, TcpState to) {
        return new KernelEvent(nanos(micros), KernelEvent.Kind.STATE, local, remote, from, to, 0, null);
    }

    static TimelineEntry entry(long micros, String actor, String action, String result) {
        return new TimelineEntry(nanos(micros), actor, action, result);
    }

    private static long nanos(long micros) {
        return START + micros * 1000;
    }
}
