package org.nioecho.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The reactor reads the clock when a select returns, before the first ready key: what a
 * handler stamps is the time its event came, not the time the reactor last woke up. A
 * latency fault holds each echo from the moment its bytes were read; after the reactor has
 * slept, a stale clock would let the echo go at once.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DispatchClockInProcessTest {
    private static final Duration DELAY = Duration.ofMillis(200);
    private static final Duration IDLE = Duration.ofMillis(300); // longer than DELAY

    @Test
    void aHoldRunsFromWhenTheBytesCameNotFromWhenTheReactorLastWokeUp() throws Exception {
        try (EchoServer server = EchoServer.start(ServerConfig.builder().port(0)
                .faults(List.of(FaultSpecs.parse("latency:delay=" + DELAY.toMillis() + "ms"))).faultSeed(1).build());
             SocketChannel peer = Peers.connect(server.address())) {
            // The reactor's clock grows old: it stays blocked in select (no wake-up at all) for IDLE.
            AtomicLong wakeups = new AtomicLong(ReactorThreads.wakeups());
            await().during(IDLE).atMost(IDLE.multipliedBy(20))
                    .until(() -> wakeups.getAndSet(ReactorThreads.wakeups()) == wakeups.get());
            long sentNanos = System.nanoTime();
            Peers.writeFully(peer, new byte[] {9});
            assertArrayEquals(new byte[] {9}, Peers.readExactly(peer, 1));
            long heldMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sentNanos);
            assertTrue(heldMillis >= DELAY.toMillis(), "echo held " + heldMillis + " ms, less than the " + DELAY.toMillis() + " ms delay");
        }
    }
}
