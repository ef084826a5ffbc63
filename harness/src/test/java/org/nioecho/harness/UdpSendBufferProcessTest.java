package org.nioecho.harness;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A full send buffer, for real. On plain loopback a UDP send never finds its buffer full (the
 * kernel hands each datagram to the receiver at once and drops it there if the receiver's
 * buffer is full). So the server runs in a network namespace of its own whose loopback has a
 * token-bucket queue (tc tbf, 8 Mbit/s, a 10 MB queue): datagrams wait in it, charged to their
 * sockets' send buffers. Eight flooding sockets in that namespace keep the queue full of
 * requests; the server's replies queue behind them until its send buffer is full, and then
 * {@code send} takes nothing: the server drops and counts the reply, and queues nothing.
 * Needs root (unshare, tc, nsenter); skipped with the reason otherwise.
 */
class UdpSendBufferProcessTest {
    private static final String NAMESPACE_SETUP =
            "ip link set lo up && tc qdisc add dev lo root tbf rate 8mbit burst 32kbit limit 10mb && exec \"$0\" \"$@\"";
    private static final Pattern DATAGRAMS = Pattern.compile("datagrams: (\\d+) in, (\\d+) out, dropped: (.*)$");

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void repliesTheSocketWillNotTakeAreDroppedAndCounted() throws Exception {
        assumeTrue(shaperWorks(), "needs root and tc's tbf in a new network namespace (unshare -n)");
        try (ServerProcess server = ServerProcess.builder()
                .prefix("unshare", "-n", "sh", "-c", NAMESPACE_SETUP)
                .args("--udp", "--stdin-control").start()) {
            Process flood = new ProcessBuilder("nsenter", "--net=/proc/" + server.pid() + "/ns/net",
                    ProcessHandle.current().info().command().orElse("java"), "-cp", System.getProperty("java.class.path"),
                    UdpFlood.class.getName(), "127.0.0.1", Integer.toString(server.port()), "8", "1500")
                    .redirectErrorStream(true).start();
            String floodOutput;
            try {
                assertTrue(flood.waitFor(60, TimeUnit.SECONDS), "the flood ends after 1.5 s");
                floodOutput = new String(flood.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                assertEquals(0, flood.exitValue(), floodOutput);
                assertTrue(floodOutput.startsWith("sent "), floodOutput);
            } finally {
                flood.destroyForcibly();
            }
            // Every datagram the server got is answered or counted at once: the stats, read on the
            // reactor thread, always add up. The queue drains at 8 Mbit/s; wait for a drop.
            await().atMost(Duration.ofSeconds(30)).until(() -> dropped(server.control("stats"), "send.buffer.full") > 0);
            String stats = server.control("stats");
            Matcher datagrams = DATAGRAMS.matcher(stats);
            assertTrue(datagrams.find(), stats);
            long in = Long.parseLong(datagrams.group(1));
            long out = Long.parseLong(datagrams.group(2));
            long droppedTotal = 0;
            for (String drop : datagrams.group(3).split(" ")) {
                droppedTotal += Long.parseLong(drop.substring(drop.indexOf('=') + 1));
            }
            System.out.println("flood: " + floodOutput + "; server: " + stats);
            assertEquals(in, out + droppedTotal, stats);
            assertTrue(out > 0, stats);
            assertEquals(0, server.stop(Duration.ofSeconds(20)), server.lastOutput());
        }
    }

    private static long dropped(String stats, String reason) {
        Matcher drop = Pattern.compile(Pattern.quote(reason) + "=(\\d+)").matcher(stats);
        return drop.find() ? Long.parseLong(drop.group(1)) : 0;
    }

    private static boolean shaperWorks() throws InterruptedException {
        try {
            Process probe = new ProcessBuilder("unshare", "-n", "sh", "-c",
                    "ip link set lo up && tc qdisc add dev lo root tbf rate 8mbit burst 32kbit limit 10mb")
                    .redirectErrorStream(true).start();
            if (!probe.waitFor(10, TimeUnit.SECONDS)) {
                probe.destroyForcibly();
                return false;
            }
            return probe.exitValue() == 0;
        } catch (IOException e) {
            return false; // unshare is not installed
        }
    }
}
