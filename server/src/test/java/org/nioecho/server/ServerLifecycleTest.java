package org.nioecho.server;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 8, defect 4: starting and stopping leave nothing behind and never hang. */
class ServerLifecycleTest {

    /** A registry that refuses every meter: start fails after the reactor (and its selector) exists. */
    private static SimpleMeterRegistry refusingRegistry() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        registry.config().meterFilter(new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                throw new IllegalStateException("this registry refuses " + id.getName());
            }
        });
        return registry;
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void failedStartsLeakNoDescriptor() throws Exception {
        ServerConfig config = ServerConfig.builder().port(0).build();
        assertThrows(IllegalStateException.class, () -> EchoServer.start(config, refusingRegistry())); // warm-up
        long before = Peers.openDescriptors();
        for (int i = 0; i < 100; i++) {
            assertThrows(IllegalStateException.class, () -> EchoServer.start(config, refusingRegistry()));
        }
        // Polled: the JVM itself opens a file for a moment now and then (the cgroup's memory.stat).
        await("100 failed starts leave at most 3 more descriptors than the " + before + " before")
                .atMost(Duration.ofSeconds(10)).until(() -> Peers.openDescriptors() <= before + 3);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void pausedGaugeDropsWhenAPausedConnectionDrainsAndLingersInShutdown() throws Exception {
        // Low-water 0: a paused connection reads again only once it owes nothing at all.
        ServerConfig config = ServerConfig.builder().port(0).lowWaterBytes(0).highWaterBytes(64 * 1024)
                .drainTimeout(Duration.ofSeconds(30)).build();
        try (EchoServer server = EchoServer.start(config);
             SocketChannel peer = Peers.connect(server.address())) {
            peer.configureBlocking(false);
            ByteBuffer toSend = ByteBuffer.wrap(Peers.randomBytes(32 << 20, 41));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                peer.write(toSend);
                return server.metrics().paused() == 1;
            });
            server.shutdown();
            // Read everything owed, up to the server's FIN, but do not close: the server lingers.
            ByteBuffer in = ByteBuffer.allocate(1 << 20);
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                in.clear();
                return peer.read(in) < 0;
            });
            assertEquals(1, server.metrics().active(), "lingering until the peer's FIN");
            await().atMost(Duration.ofSeconds(10)).until(() -> server.metrics().paused() == 0);
            assertEquals(1, server.metrics().active());
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void requestsAfterTheLoopEndedAnswerPromptly() throws Exception {
        EchoServer server = EchoServer.start(ServerConfig.builder().port(0).build());
        byte[] payload = Peers.randomBytes(1000, 42);
        Peers.echo(server.address(), payload);
        server.close();
        String summary = assertTimeoutPreemptively(Duration.ofSeconds(2), server::summary);
        assertTrue(summary.startsWith("1 connection, 1000 bytes in, 1000 bytes out"), summary);
        IllegalStateException stopped = assertTimeoutPreemptively(Duration.ofSeconds(2),
                () -> assertThrows(IllegalStateException.class, server::pauseAccepting));
        assertTrue(stopped.getMessage().contains("stopped"), stopped.getMessage());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aFailureWhileClosingEverythingStillEndsTheLoop() throws Exception {
        ThrowingHandler log = new ThrowingHandler();
        Logger nioecho = Logger.getLogger(Logging.ROOT);
        Level level = nioecho.getLevel();
        nioecho.setLevel(Level.FINE);
        nioecho.addHandler(log);
        try {
            EchoServer server = EchoServer.start(ServerConfig.builder().port(0).drainTimeout(Duration.ofMillis(100)).build());
            try (SocketChannel first = Peers.connect(server.address());
                 SocketChannel second = Peers.connect(server.address())) {
                await().atMost(Duration.ofSeconds(10)).until(() -> server.metrics().active() == 2);
                // From now on every log record fails: the drain timeout's warning ends the loop with
                // a failure, and closing the two lingering connections (each logs) fails again.
                log.failing = true;
                server.shutdown();
                assertTrue(server.awaitTermination(Duration.ofSeconds(10)), "the loop ended and said so");
                assertNotNull(server.failure());
            }
        } finally {
            nioecho.removeHandler(log);
            nioecho.setLevel(level);
        }
    }

    /** A log handler that fails once told to (a full disk, a closed pipe). */
    private static final class ThrowingHandler extends Handler {
        volatile boolean failing;

        @Override
        public void publish(LogRecord record) {
            if (failing) {
                throw new IllegalStateException("the log sink failed");
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }
}
