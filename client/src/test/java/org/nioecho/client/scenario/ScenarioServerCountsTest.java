package org.nioecho.client.scenario;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The server-side counts the namespace scenarios require, checked on summary lines as the
 * server prints them (the live runs are in {@link ScenarioSuiteTest}).
 */
class ScenarioServerCountsTest {
    private static ServerStats stats(String closed) {
        return ServerStats.parse("1 connection, 6006 bytes in, 6 bytes out, closed: " + closed);
    }

    @Test
    void aVanishedClientHostIsOneTimedOutOrUnreachableClose() {
        assertTrue(ClientHostCrashScenario.closedAsVanishedHost(stats("timed.out=1")));
        assertTrue(ClientHostCrashScenario.closedAsVanishedHost(stats("unreachable=1")));
    }

    @Test
    void anyOtherCloseCauseOrCountIsNotAVanishedHost() {
        assertFalse(ClientHostCrashScenario.closedAsVanishedHost(stats("none")), "nothing closed");
        assertFalse(ClientHostCrashScenario.closedAsVanishedHost(stats("error=1")), "classified as error");
        assertFalse(ClientHostCrashScenario.closedAsVanishedHost(stats("reset=1")), "classified as reset");
        assertFalse(ClientHostCrashScenario.closedAsVanishedHost(stats("eof=1")), "classified as eof");
        assertFalse(ClientHostCrashScenario.closedAsVanishedHost(stats("timed.out=1 unreachable=1")), "counted twice");
        assertFalse(ClientHostCrashScenario.closedAsVanishedHost(stats("timed.out=1 idle=1")), "a second close");
    }

    @Test
    void aCrashedServerHostsServerHasClosedNothing() {
        assertTrue(HostCrashScenario.serverStillHoldsTheConnection(stats("none")));
        assertFalse(HostCrashScenario.serverStillHoldsTheConnection(stats("timed.out=1")));
        assertFalse(HostCrashScenario.serverStillHoldsTheConnection(
                ServerStats.parse("0 connections, 0 bytes in, 0 bytes out, closed: none")), "never accepted");
    }

    @Test
    void aRebootedHostsNewServerNeverSawTheOldConnection() {
        assertTrue(HostRebootScenario.newServerSawNothing(ServerStats.parse("0 connections, 0 bytes in, 0 bytes out, closed: none")));
        assertFalse(HostRebootScenario.newServerSawNothing(stats("reset=1")));
    }
}
