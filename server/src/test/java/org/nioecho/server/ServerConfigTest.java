package org.nioecho.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** Each rule of {@link ServerConfig} at its boundary: the last value it takes and the first it refuses. */
class ServerConfigTest {
    private static final Duration ONE_NANO = Duration.ofNanos(1);
    private static final Duration OVER_MAX = ServerConfig.MAX_DURATION.plus(ONE_NANO);

    @Test
    void portAndCounts() {
        accepts(b -> b.port(0));
        accepts(b -> b.port(65535));
        refuses(b -> b.port(-1), "port must be within 0..65535, got -1");
        refuses(b -> b.port(65536), "port must be within 0..65535, got 65536");
        accepts(b -> b.backlog(1));
        refuses(b -> b.backlog(0), "backlog must be positive, got 0");
        refuses(b -> b.udpRatePerSecond(-1), "UDP rate must be within 0..100000000, got -1");
        refuses(b -> b.udpRatePerSecond(100_000_001), "UDP rate must be within 0..100000000, got 100000001");
        accepts(b -> b.udpRatePerSecond(100_000_000));
        accepts(b -> b.maxConnections(1));
        refuses(b -> b.maxConnections(0), "max connections must be positive, got 0");
        accepts(b -> b.acceptsPerTurn(1));
        refuses(b -> b.acceptsPerTurn(0), "accepts per turn must be positive, got 0");
        refuses(b -> b.reactors(0), "reactors must be within 1..256, got 0");
        refuses(b -> b.reactors(257), "reactors must be within 1..256, got 257");
        accepts(b -> b.reactors(256));
        refuses(b -> b.reactors(2).highWaterBytes(64).lowWaterBytes(32).maxOutputMemoryBytes(127),
                "max output memory (127) split over 2 reactors leaves less than the high-water mark (64) to each");
        accepts(b -> b.reactors(2).highWaterBytes(64).lowWaterBytes(32).maxOutputMemoryBytes(128));
    }

    @Test
    void durationsFromZeroOrOneNanosecondToOneDay() {
        accepts(b -> b.idleTimeout(Duration.ZERO).drainTimeout(Duration.ZERO).writeTimeout(Duration.ZERO)
                .pressureWriteTimeout(Duration.ZERO).acceptBackoff(ONE_NANO));
        Duration max = ServerConfig.MAX_DURATION;
        accepts(b -> b.idleTimeout(max).drainTimeout(max).writeTimeout(max).pressureWriteTimeout(max).acceptBackoff(max));
        refuses(b -> b.idleTimeout(ONE_NANO.negated()), "idle timeout must not be negative");
        refuses(b -> b.drainTimeout(ONE_NANO.negated()), "drain timeout must not be negative");
        refuses(b -> b.writeTimeout(ONE_NANO.negated()), "write timeout must not be negative");
        refuses(b -> b.pressureWriteTimeout(ONE_NANO.negated()), "pressure write timeout must not be negative");
        refuses(b -> b.acceptBackoff(Duration.ZERO), "accept back-off must be positive");
        refuses(b -> b.acceptBackoff(ONE_NANO.negated()), "accept back-off must be positive");
        refuses(b -> b.idleTimeout(OVER_MAX), "idle timeout must be at most 24h, got " + OVER_MAX);
        refuses(b -> b.drainTimeout(OVER_MAX), "drain timeout must be at most 24h, got " + OVER_MAX);
        refuses(b -> b.writeTimeout(OVER_MAX), "write timeout must be at most 24h, got " + OVER_MAX);
        refuses(b -> b.pressureWriteTimeout(OVER_MAX), "pressure write timeout must be at most 24h, got " + OVER_MAX);
        refuses(b -> b.acceptBackoff(OVER_MAX), "accept back-off must be at most 24h, got " + OVER_MAX);
    }

    @Test
    void waterMarksBuffersAndBudget() {
        accepts(b -> b.highWaterBytes(1).lowWaterBytes(0).maxOutputMemoryBytes(1));
        refuses(b -> b.highWaterBytes(0).lowWaterBytes(0), "high-water mark must be positive, got 0");
        accepts(b -> b.highWaterBytes(100).lowWaterBytes(99).maxOutputMemoryBytes(100));
        refuses(b -> b.highWaterBytes(100).lowWaterBytes(100),
                "low-water mark (100) must be below the high-water mark (100)");
        refuses(b -> b.highWaterBytes(100).lowWaterBytes(-1),
                "low-water mark (-1) must be below the high-water mark (100)");
        accepts(b -> b.readBufferBytes(64));
        refuses(b -> b.readBufferBytes(63), "read buffer must hold at least 64 bytes, got 63");
        accepts(b -> b.maxOutputMemoryBytes(ServerConfig.MAX_OUTPUT_MEMORY_BYTES));
        String tooLarge = "max output memory (" + (ServerConfig.MAX_OUTPUT_MEMORY_BYTES + 1)
                + ") must be at least the high-water mark (65536) and at most 1TiB";
        refuses(b -> b.maxOutputMemoryBytes(ServerConfig.MAX_OUTPUT_MEMORY_BYTES + 1), tooLarge);
        refuses(b -> b.maxOutputMemoryBytes(65535),
                "max output memory (65535) must be at least the high-water mark (65536) and at most 1TiB");
        accepts(b -> b.maxOutputMemoryBytes(65536));
    }

    @Test
    void nothingMayBeMissing() {
        List<UnaryOperator<ServerConfig.Builder>> nulls = List.of(
                b -> b.bindAddress(null), b -> b.idleTimeout(null), b -> b.acceptBackoff(null),
                b -> b.drainTimeout(null), b -> b.writeTimeout(null), b -> b.pressureWriteTimeout(null),
                b -> b.faults(null));
        List<String> names = List.of("bindAddress", "idleTimeout", "acceptBackoff", "drainTimeout", "writeTimeout",
                "pressureWriteTimeout", "faults");
        for (int i = 0; i < nulls.size(); i++) {
            UnaryOperator<ServerConfig.Builder> change = nulls.get(i);
            NullPointerException e = assertThrows(NullPointerException.class, () -> change.apply(ServerConfig.builder()).build());
            assertEquals(names.get(i), e.getMessage());
        }
    }

    @Test
    void theBuilderKeepsEveryValueAndTheDefaultsOfTheCommandLine() {
        ServerConfig defaults = ServerConfig.builder().build();
        assertEquals("127.0.0.1", defaults.bindAddress());
        assertEquals(ServerConfig.DEFAULT_PORT, defaults.port());
        assertEquals(1024, defaults.backlog());
        assertEquals(100_000, defaults.maxConnections());
        assertEquals(Duration.ZERO, defaults.idleTimeout());
        assertEquals(32 * 1024, defaults.lowWaterBytes());
        assertEquals(64 * 1024, defaults.highWaterBytes());
        assertEquals(64 * 1024, defaults.readBufferBytes());
        assertEquals(16, defaults.acceptsPerTurn());
        assertEquals(Duration.ofSeconds(1), defaults.acceptBackoff());
        assertEquals(Duration.ofSeconds(5), defaults.drainTimeout());
        assertEquals(Duration.ofSeconds(60), defaults.writeTimeout());
        assertEquals(64L << 20, defaults.maxOutputMemoryBytes());
        assertEquals(Duration.ofSeconds(1), defaults.pressureWriteTimeout());
        assertEquals(List.of(), defaults.faults());
        assertEquals(false, defaults.udp());
        assertEquals(0, defaults.udpRatePerSecond());
        assertEquals(1, defaults.reactors());

        List<FaultSpec> faults = new ArrayList<>(List.of(FaultSpecs.parse("reset:after=1KiB")));
        ServerConfig set = ServerConfig.builder().bindAddress("::1").port(1).backlog(2).maxConnections(3)
                .idleTimeout(Duration.ofSeconds(4)).lowWaterBytes(5).highWaterBytes(6).readBufferBytes(70).sendBufferBytes(7)
                .acceptsPerTurn(8).acceptBackoff(Duration.ofSeconds(9)).drainTimeout(Duration.ofSeconds(10))
                .writeTimeout(Duration.ofSeconds(11)).maxOutputMemoryBytes(12).pressureWriteTimeout(Duration.ofSeconds(13))
                .faults(faults).faultSeed(14).udp(true).udpRatePerSecond(15).reactors(2).build();
        assertEquals(new ServerConfig("::1", 1, 2, 3, Duration.ofSeconds(4), 5, 6, 70, 7, 8, Duration.ofSeconds(9),
                Duration.ofSeconds(10), Duration.ofSeconds(11), 12, Duration.ofSeconds(13), faults, 14, true, 15, 2, null), set);
        faults.clear();
        assertEquals(1, set.faults().size(), "the config keeps its own copy of the faults");
        assertThrows(UnsupportedOperationException.class, () -> set.faults().clear());
    }

    @Test
    void sendBufferAndTheHighWaterMarkUnderTls() {
        refuses(b -> b.sendBufferBytes(-1), "send buffer must not be negative, got -1");
        accepts(b -> b.sendBufferBytes(0));
        TlsConfig tls = TlsConfig.ephemeral(Duration.ofSeconds(1));
        refuses(b -> b.tls(tls).highWaterBytes(32 * 1024 - 1).lowWaterBytes(1024),
                "with TLS the high-water mark must be at least 32KiB, got 32767");
        accepts(b -> b.tls(tls).highWaterBytes(32 * 1024).lowWaterBytes(1024));
    }

    private static void accepts(UnaryOperator<ServerConfig.Builder> change) {
        change.apply(ServerConfig.builder()).build();
    }

    private static void refuses(UnaryOperator<ServerConfig.Builder> change, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> change.apply(ServerConfig.builder()).build());
        assertEquals(message, e.getMessage());
        assertTrue(!message.isEmpty());
    }
}
