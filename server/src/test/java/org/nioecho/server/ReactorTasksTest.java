package org.nioecho.server;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Wake-ups coalesce like signals: tasks posted in a burst from many threads all run, once each. */
class ReactorTasksTest {
    private static final int THREADS = 8;
    private static final int TASKS_PER_THREAD = 20_000;

    private int ran; // touched by the reactor thread only

    @Test
    void runsEveryTaskOfABurstFromManyThreadsExactlyOnce() throws Exception {
        try (EchoServer server = EchoServer.start(ServerConfig.builder().port(0).build())) {
            Reactor reactor = server.reactor();
            CountDownLatch go = new CountDownLatch(1);
            ExecutorService posters = Executors.newFixedThreadPool(THREADS);
            for (int t = 0; t < THREADS; t++) {
                posters.submit(() -> {
                    assertTrue(go.await(30, TimeUnit.SECONDS), "start signal");
                    for (int i = 0; i < TASKS_PER_THREAD; i++) {
                        reactor.execute(() -> ran++);
                    }
                    return null;
                });
            }
            go.countDown();
            posters.shutdown();
            assertTrue(posters.awaitTermination(30, TimeUnit.SECONDS));
            int[] seen = new int[1];
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                CountDownLatch read = new CountDownLatch(1);
                reactor.execute(() -> {
                    seen[0] = ran;
                    read.countDown();
                });
                return read.await(5, TimeUnit.SECONDS) && seen[0] == THREADS * TASKS_PER_THREAD;
            });
            assertEquals(THREADS * TASKS_PER_THREAD, seen[0]);
        }
    }
}
