package org.nioecho.harness;

import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checks the server's EMFILE log lines once an episode is over: one "accept paused" line when
 * an episode begins and one "accepting again after N failed accepts" when it ends, never a line
 * per failed accept. Usually there is one episode; a descriptor the JVM frees for a moment (it
 * opens the cgroup's {@code memory.stat} now and then) can let one accept through and split it
 * in two, so the episodes' failures are added up and compared with the server's counter.
 */
final class AcceptPauseEpisodes {
    private static final Pattern ENDED = Pattern.compile("accepting again after ([1-9][0-9]*) failed accepts");
    private static final Pattern COUNTED = Pattern.compile("accept errors: .*too\\.many\\.open\\.files=([0-9]+)");

    private AcceptPauseEpisodes() {
    }

    /**
     * Waits (bounded) until as many episodes have ended as began, on {@code server}'s standard
     * error, then asserts the above, with its {@code stats} answer for the counter.
     */
    static void assertOneLinePerEpisode(ServerProcess server) throws Exception {
        await("as many 'accepting again' lines as 'accept paused' lines").atMost(Duration.ofSeconds(10))
                .until(() -> allEnded(server.stderr()));
        List<String> stderr = server.stderr();
        long paused = paused(stderr);
        List<String> ended = ended(stderr);
        assertTrue(paused >= 1, "no episode logged: " + stderr);
        assertEquals(paused, ended.size(), "one line when an episode begins and one when it ends: " + stderr);
        long failedInEpisodes = 0;
        for (String line : ended) {
            Matcher failed = ENDED.matcher(line);
            assertTrue(failed.find(), line);
            failedInEpisodes += Long.parseLong(failed.group(1));
        }
        String stats = server.control("stats");
        Matcher counted = COUNTED.matcher(stats);
        assertTrue(counted.find(), "EMFILE counted as accept error too.many.open.files: " + stats);
        long failures = Long.parseLong(counted.group(1));
        assertEquals(failures, failedInEpisodes, "every failed accept is in an episode: " + stats + " " + ended);
        assertTrue(paused < failures, paused + " episodes for " + failures + " failed accepts: a line per failure? " + stderr);
    }

    private static boolean allEnded(List<String> stderr) {
        long paused = paused(stderr);
        return paused > 0 && ended(stderr).size() >= paused;
    }

    private static long paused(List<String> stderr) {
        return stderr.stream().filter(line -> line.contains("accept paused")).count();
    }

    private static List<String> ended(List<String> stderr) {
        return stderr.stream().filter(line -> ENDED.matcher(line).find()).toList();
    }
}
