package org.nioecho.client.scenario;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.nioecho.kernel.KernelEvent;
import org.nioecho.kernel.TcpState;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code --json}: valid JSON (parsed back with Jackson), strings escaped, every event where it belongs. */
class ScenarioJsonTest {
    @Test
    void recordsBecomeParsableJsonWithTheirTransitionsResetsAndErrors() throws Exception {
        InetSocketAddress server = new InetSocketAddress("127.0.0.1", 9877);
        InetSocketAddress client = new InetSocketAddress("127.0.0.1", 50000);
        long start = 1_000_000_000L;
        List<KernelEvent> events = List.of(
                new KernelEvent(start + 12_000_000, KernelEvent.Kind.STATE, server, client, TcpState.ESTABLISHED,
                        TcpState.CLOSE_WAIT, 0, null),
                new KernelEvent(start + 12_500_000, KernelEvent.Kind.STATE, client, server, TcpState.FIN_WAIT1,
                        TcpState.FIN_WAIT1, 0, null),
                new KernelEvent(start + 13_000_000, KernelEvent.Kind.RESET_SENT, server, client, TcpState.TIME_WAIT, null,
                        0, "TCP_TIMEWAIT_SOCKET"),
                new KernelEvent(start + 14_000_000, KernelEvent.Kind.ERROR, client, server, TcpState.CLOSE, null, 32, null));
        Verdict verdict = new Verdict("server-killed", "say \"EPIPE\"\\ then\nnext", "tab\there \u0001", Outcome.MATCH);
        ScenarioRecord record = new ScenarioRecord(verdict, "tracepoints", start, List.of(), events, Set.of(9877), 0);

        Map<?, ?> root = (Map<?, ?>) new ObjectMapper().readValue(ScenarioJson.json(List.of(record)), Map.class);
        Map<?, ?> scenario = (Map<?, ?>) ((List<?>) root.get("scenarios")).get(0);
        assertEquals("server-killed", scenario.get("name"));
        assertEquals("MATCH", scenario.get("verdict"));
        assertEquals("tracepoints", scenario.get("evidence"));
        assertEquals("say \"EPIPE\"\\ then\nnext", scenario.get("notesSay"));
        assertEquals("tab\there \u0001", scenario.get("observed"));
        List<?> transitions = (List<?>) scenario.get("transitions");
        assertEquals(1, transitions.size(), "the self-transition is left out: " + transitions);
        assertEquals(Map.of("ms", 12.0, "end", "server", "local", "127.0.0.1:9877", "remote", "127.0.0.1:50000",
                "from", "ESTABLISHED", "to", "CLOSE_WAIT"), transitions.get(0));
        Map<?, ?> reset = (Map<?, ?>) ((List<?>) scenario.get("resets")).get(0);
        assertEquals("server", reset.get("sentBy"));
        assertEquals("TCP_TIMEWAIT_SOCKET", reset.get("reason"));
        Map<?, ?> error = (Map<?, ?>) ((List<?>) scenario.get("errors")).get(0);
        assertEquals(List.of(14.0, "client", 32, "EPIPE"),
                List.of(error.get("ms"), error.get("end"), error.get("errno"), error.get("error")));
        assertEquals(List.of(), scenario.get("retransmissions"));
    }
}
