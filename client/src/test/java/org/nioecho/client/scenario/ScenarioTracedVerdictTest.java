package org.nioecho.client.scenario;

import org.junit.jupiter.api.Test;
import org.nioecho.kernel.KernelEvent;
import org.nioecho.kernel.KernelEvent.Kind;
import org.nioecho.kernel.TcpState;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nioecho.kernel.TcpState.CLOSE;
import static org.nioecho.kernel.TcpState.CLOSE_WAIT;
import static org.nioecho.kernel.TcpState.ESTABLISHED;
import static org.nioecho.kernel.TcpState.FIN_WAIT1;
import static org.nioecho.kernel.TcpState.FIN_WAIT2;
import static org.nioecho.kernel.TcpState.LAST_ACK;
import static org.nioecho.kernel.TcpState.TIME_WAIT;

/**
 * The traced verdicts judged on recorded event lists (the shapes a real trace has, see
 * ScenarioSuiteTest for the live runs): the notes' walk passes, a walk with a step missing,
 * an extra step or a lost event does not.
 */
class ScenarioTracedVerdictTest {
    private static final int SERVER = 9877;
    private static final int CLIENT = 50000;
    private static final StateWatch.Side CLIENT_SIDE = new StateWatch.Side("client", CLIENT, SERVER);

    private final List<KernelEvent> events = new ArrayList<>();
    private long nanos = 1_000_000;

    private static InetSocketAddress at(int port) {
        return new InetSocketAddress("127.0.0.1", port);
    }

    private void state(int local, int remote, TcpState from, TcpState to) {
        events.add(new KernelEvent(nanos += 1000, Kind.STATE, at(local), at(remote), from, to, 0, null));
    }

    private void event(Kind kind, int local, int remote, TcpState state, int errno, String reason) {
        events.add(new KernelEvent(nanos += 1000, kind, at(local), at(remote), state, null, errno, reason));
    }

    private KernelFacts facts(long overruns) {
        return new KernelFacts(events, Set.of(SERVER), overruns);
    }

    /** The close exactly as the kernel reports it on loopback, FIN_WAIT1 repeated once. */
    private void normalClose() {
        state(CLIENT, SERVER, ESTABLISHED, FIN_WAIT1);
        state(CLIENT, SERVER, FIN_WAIT1, FIN_WAIT1);
        state(SERVER, CLIENT, ESTABLISHED, CLOSE_WAIT);
        state(SERVER, CLIENT, CLOSE_WAIT, LAST_ACK);
        state(CLIENT, SERVER, FIN_WAIT1, FIN_WAIT2);
        state(CLIENT, SERVER, FIN_WAIT2, CLOSE);
        state(SERVER, CLIENT, LAST_ACK, CLOSE);
    }

    @Test
    void walksIgnoreSelfTransitionsAndKeepOrder() {
        normalClose();
        KernelFacts facts = facts(0);
        assertEquals(List.of(ESTABLISHED, FIN_WAIT1, FIN_WAIT2, CLOSE), facts.walk(CLIENT, SERVER));
        assertEquals(List.of(ESTABLISHED, CLOSE_WAIT, LAST_ACK, CLOSE), facts.walk(SERVER, CLIENT));
        assertTrue(KernelFacts.walks(facts.walk(CLIENT, SERVER), FIN_WAIT1, FIN_WAIT2, CLOSE));
        assertFalse(KernelFacts.walks(facts.walk(CLIENT, SERVER), FIN_WAIT1, CLOSE));
        assertEquals("ESTABLISHED → FIN_WAIT1 → FIN_WAIT2 → CLOSE", KernelFacts.text(facts.walk(CLIENT, SERVER)));
    }

    @Test
    void normalCloseMatchesOnlyTheWholeWalkOfBothEnds() {
        normalClose();
        assertEquals("", NormalCloseScenario.traced(facts(0), CLIENT_SIDE));

        events.clear();
        state(CLIENT, SERVER, ESTABLISHED, FIN_WAIT1);
        state(SERVER, CLIENT, ESTABLISHED, CLOSE_WAIT);
        state(CLIENT, SERVER, FIN_WAIT1, FIN_WAIT2);
        state(CLIENT, SERVER, FIN_WAIT2, CLOSE);
        state(SERVER, CLIENT, CLOSE_WAIT, CLOSE); // LAST_ACK skipped
        String missing = NormalCloseScenario.traced(facts(0), CLIENT_SIDE);
        assertTrue(missing.contains("server walk NOT"), missing);
        assertFalse(missing.contains("client walk NOT"), missing);
    }

    @Test
    void serverKilledNeedsTheServersFinTheServerKernelsRstAndEpipe() {
        state(SERVER, CLIENT, ESTABLISHED, FIN_WAIT1);
        state(CLIENT, SERVER, ESTABLISHED, CLOSE_WAIT);
        state(SERVER, CLIENT, FIN_WAIT1, FIN_WAIT2);
        state(SERVER, CLIENT, FIN_WAIT2, CLOSE);
        event(Kind.RESET_SENT, SERVER, CLIENT, TIME_WAIT, 0, "TCP_TIMEWAIT_SOCKET");
        event(Kind.RESET_RECEIVED, CLIENT, SERVER, CLOSE_WAIT, 0, null);
        state(CLIENT, SERVER, CLOSE_WAIT, CLOSE);
        event(Kind.ERROR, CLIENT, SERVER, CLOSE, 32, null);
        ServerKilledScenario.Traced traced = ServerKilledScenario.traced(facts(0), CLIENT_SIDE);
        assertTrue(traced.matched(), traced.text());
        assertTrue(traced.text().contains("reason TCP_TIMEWAIT_SOCKET"), traced.text());

        assertFalse(ServerKilledScenario.traced(facts(3), CLIENT_SIDE).matched(), "events were lost");

        events.removeIf(e -> e.kind() == Kind.RESET_SENT);
        event(Kind.RESET_SENT, CLIENT, SERVER, CLOSE_WAIT, 0, "TCP_STATE"); // sent by the client's kernel instead
        assertFalse(ServerKilledScenario.traced(facts(0), CLIENT_SIDE).matched());
    }

    @Test
    void resetBeforeAcceptNeedsTheClientKernelsRstReceivedByTheQueuedSocket() {
        state(CLIENT, SERVER, ESTABLISHED, CLOSE);
        event(Kind.RESET_RECEIVED, SERVER, CLIENT, ESTABLISHED, 0, null);
        state(SERVER, CLIENT, ESTABLISHED, CLOSE);
        event(Kind.ERROR, SERVER, CLIENT, CLOSE, 104, null);
        event(Kind.RESET_SENT, CLIENT, SERVER, CLOSE, 0, "TCP_STATE");
        assertEquals("", RstBeforeAcceptScenario.traced(facts(0), CLIENT_SIDE));

        events.removeIf(e -> e.kind() == Kind.RESET_SENT);
        assertTrue(RstBeforeAcceptScenario.traced(facts(0), CLIENT_SIDE).contains("NO RST sent by the client's kernel"));
    }

    @Test
    void givingUpCountsRetransmissionsBeforeTheStoredError() {
        for (int i = 0; i < 5; i++) {
            event(Kind.RETRANSMIT, CLIENT, SERVER, ESTABLISHED, 0, null);
        }
        state(CLIENT, SERVER, ESTABLISHED, CLOSE);
        event(Kind.ERROR, CLIENT, SERVER, CLOSE, 110, null);
        event(Kind.RETRANSMIT, CLIENT, SERVER, CLOSE, 0, null); // after the error: not counted
        KernelFacts.GaveUp gaveUp = facts(0).gaveUp(CLIENT);
        assertEquals(new KernelFacts.GaveUp(5, 110), gaveUp);
        assertEquals("5 retransmissions, then error 110 (ETIMEDOUT) stored", gaveUp.text());
    }
}
