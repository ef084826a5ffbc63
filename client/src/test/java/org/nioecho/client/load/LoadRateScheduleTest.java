package org.nioecho.client.load;

import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rate mode's schedule: a message is due from its intended nanosecond on, and the next due
 * time is always later than now. At 300/s the period (3,333,333.3 ns) is not a whole number
 * of nanoseconds; when the count of due messages and the intended times rounded differently,
 * a send at exactly its intended nanosecond made the next one due "now" again, and the
 * worker looped without end. No network: the connection is never opened.
 */
class LoadRateScheduleTest {
    @Test
    void aMessageIsDueAtItsIntendedNanosecondAndTheNextOneLater() throws Exception {
        LoadConfig config = new LoadConfig(new InetSocketAddress("127.0.0.1", 9), LoadMode.RATE, 1, 64,
                Duration.ofSeconds(1), Duration.ZERO, 0, 300, List.of(), 1, Duration.ofSeconds(1), Duration.ofSeconds(1));
        CountDownLatch unused = new CountDownLatch(1);
        try (Selector selector = Selector.open()) {
            LoadConnection connection = new LoadConnection(
                    new LoadWorker(config, selector, new DataPattern(1), 1, unused, unused), config, null);
            connection.startTraffic(1_000_000_000L, 0);
            for (long k = 0; k < 100_000; k++) {
                long intended = connection.intendedNanos(k);
                assertEquals(k + 1, connection.dueMessages(intended), "due at its intended time, message " + k);
                assertEquals(k, connection.dueMessages(intended - 1), "not due a nanosecond before, message " + k);
                assertTrue(connection.intendedNanos(connection.dueMessages(intended)) > intended, "next one later");
            }
        }
    }
}
