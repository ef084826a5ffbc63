package org.nioecho.server;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 150, unit = TimeUnit.SECONDS) // beyond its own 120 s wait for the echoes
class EchoRoundTripTest {
    private EchoServer server;

    @BeforeEach
    void start() throws Exception {
        server = EchoServer.start(ServerConfig.builder().port(0).build());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void echoesRandomPayloadsByteExactOnManyConcurrentConnections() throws Exception {
        int[] sizes = {1, 2, 63, 64, 1000, 4096, 65_535, 65_537, 300_000, 1 << 20, 3 << 20, 8 << 20};
        ExecutorService pool = Executors.newFixedThreadPool(sizes.length * 2);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int round = 0; round < 2; round++) {
                for (int size : sizes) {
                    byte[] payload = Peers.randomBytes(size, size * 31L + round);
                    results.add(pool.submit(() -> java.util.Arrays.equals(payload, Peers.echo(server.address(), payload))));
                }
            }
            for (Future<Boolean> result : results) {
                assertTrue(result.get(120, TimeUnit.SECONDS), "echo differs from payload");
            }
        } finally {
            pool.shutdownNow();
        }
        long total = 0;
        for (int size : sizes) {
            total += 2L * size;
        }
        long expected = total;
        // The counters are bumped right after each write returns: wait for the last one.
        await().atMost(Duration.ofSeconds(10)).until(() -> server.metrics().bytesSent() == expected);
        assertEquals(expected, server.metrics().bytesReceived());
    }
}
