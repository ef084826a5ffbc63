package org.nioecho.server;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Everything the server can be told, with the defaults of the command line.
 *
 * <pre>{@code
 * ServerConfig config = ServerConfig.builder().port(0).idleTimeout(Duration.ofSeconds(30)).build();
 * }</pre>
 *
 * @param bindAddress      address to listen on (default 127.0.0.1)
 * @param port             port to listen on; 0 picks a free one (default 9877)
 * @param backlog          listen backlog (default 1024)
 * @param maxConnections   open connections allowed; more are accepted and closed at once
 * @param idleTimeout      close a connection after this long without input; zero disables
 * @param lowWaterBytes    resume reading a paused connection once it owes at most this much
 * @param highWaterBytes   stop reading a connection that owes this much (its output cap)
 * @param readBufferBytes  size of the one shared read buffer (and the most read per event)
 * @param sendBufferBytes  {@code SO_SNDBUF} of each accepted connection; 0 (default) leaves the
 *                         kernel's default and its autotuning
 * @param acceptsPerTurn   connections accepted per loop turn at most (fairness)
 * @param acceptBackoff    how long accepting pauses when descriptors run out
 * @param drainTimeout     how long a graceful shutdown may spend sending what is owed
 * @param writeTimeout     close a connection that owes bytes and whose peer took none of them
 *                         for this long; zero disables
 * @param maxOutputMemoryBytes the global budget for output buffers; when it is used up, the
 *                         connections that would need more stop being read
 * @param pressureWriteTimeout while connections wait for that budget, the write timeout of
 *                         the connections holding it (shorter, so that stalled peers cannot
 *                         keep well-behaved ones waiting); zero keeps {@code writeTimeout}
 * @param faults           the faults new connections draw from at start (default none; see
 *                         {@link FaultSpec}, docs/faults.md)
 * @param faultSeed        the seed of the fault draws, jitters and slice sizes (default
 *                         {@link System#nanoTime()}); the same seed repeats the same draws
 * @param udp              also serve UDP echo on the listening address and port (default off)
 * @param udpRatePerSecond replies a second per source address, with a burst of as many; 0 = no
 *                         limit (default)
 * @param reactors         reactor threads (default 1, the single reactor); with more, one
 *                         acceptor hands connections to them in turn, and the output budget
 *                         is split evenly among them
 * @param tls              TLS on the listener, or null for plain TCP (docs/tls.md)
 */
public record ServerConfig(
        String bindAddress,
        int port,
        int backlog,
        int maxConnections,
        Duration idleTimeout,
        int lowWaterBytes,
        int highWaterBytes,
        int readBufferBytes,
        int sendBufferBytes,
        int acceptsPerTurn,
        Duration acceptBackoff,
        Duration drainTimeout,
        Duration writeTimeout,
        long maxOutputMemoryBytes,
        Duration pressureWriteTimeout,
        List<FaultSpec> faults,
        long faultSeed,
        boolean udp,
        int udpRatePerSecond,
        int reactors,
        TlsConfig tls) {

    /** The port of the notes' {@code tcpserv}. */
    public static final int DEFAULT_PORT = 9877;

    /** The longest duration any option takes: far beyond any sensible timeout, and its nanoseconds fit a long. */
    public static final Duration MAX_DURATION = Duration.ofDays(1);

    /** The largest output budget: 1 TiB, so that budget arithmetic never overflows. */
    public static final long MAX_OUTPUT_MEMORY_BYTES = 1L << 40;

    /** The highest {@code --udp-rate}: far beyond what one reactor can echo. */
    public static final int MAX_UDP_RATE_PER_SECOND = 100_000_000;
    /** The most reactor threads: far beyond the cores of any machine this runs on. */
    public static final int MAX_REACTORS = 256;

    public ServerConfig {
        Objects.requireNonNull(bindAddress, "bindAddress");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(acceptBackoff, "acceptBackoff");
        Objects.requireNonNull(drainTimeout, "drainTimeout");
        Objects.requireNonNull(writeTimeout, "writeTimeout");
        Objects.requireNonNull(pressureWriteTimeout, "pressureWriteTimeout");
        faults = List.copyOf(Objects.requireNonNull(faults, "faults"));
        require(port >= 0 && port <= 65535, "port must be within 0..65535, got " + port);
        require(backlog > 0, "backlog must be positive, got " + backlog);
        require(maxConnections > 0, "max connections must be positive, got " + maxConnections);
        require(!idleTimeout.isNegative(), "idle timeout must not be negative");
        require(!drainTimeout.isNegative(), "drain timeout must not be negative");
        require(!acceptBackoff.isNegative() && !acceptBackoff.isZero(), "accept back-off must be positive");
        require(!writeTimeout.isNegative(), "write timeout must not be negative");
        require(!pressureWriteTimeout.isNegative(), "pressure write timeout must not be negative");
        requireAtMostMax(idleTimeout, "idle timeout");
        requireAtMostMax(drainTimeout, "drain timeout");
        requireAtMostMax(acceptBackoff, "accept back-off");
        requireAtMostMax(writeTimeout, "write timeout");
        requireAtMostMax(pressureWriteTimeout, "pressure write timeout");
        require(highWaterBytes > 0, "high-water mark must be positive, got " + highWaterBytes);
        require(lowWaterBytes >= 0 && lowWaterBytes < highWaterBytes,
                "low-water mark (" + lowWaterBytes + ") must be below the high-water mark (" + highWaterBytes + ")");
        require(tls == null || highWaterBytes >= TlsOptions.MIN_HIGH_WATER_BYTES, "with TLS the high-water mark must be at least 32KiB, got " + highWaterBytes);
        require(readBufferBytes >= 64, "read buffer must hold at least 64 bytes, got " + readBufferBytes);
        require(sendBufferBytes >= 0, "send buffer must not be negative, got " + sendBufferBytes);
        require(acceptsPerTurn > 0, "accepts per turn must be positive, got " + acceptsPerTurn);
        require(maxOutputMemoryBytes >= highWaterBytes && maxOutputMemoryBytes <= MAX_OUTPUT_MEMORY_BYTES,
                "max output memory (" + maxOutputMemoryBytes + ") must be at least the high-water mark ("
                        + highWaterBytes + ") and at most 1TiB");
        require(udpRatePerSecond >= 0 && udpRatePerSecond <= MAX_UDP_RATE_PER_SECOND,
                "UDP rate must be within 0.." + MAX_UDP_RATE_PER_SECOND + ", got " + udpRatePerSecond);
        require(reactors >= 1 && reactors <= MAX_REACTORS, "reactors must be within 1.." + MAX_REACTORS + ", got " + reactors);
        require(maxOutputMemoryBytes / reactors >= highWaterBytes,
                "max output memory (" + maxOutputMemoryBytes + ") split over " + reactors
                        + " reactors leaves less than the high-water mark (" + highWaterBytes + ") to each");
    }

    private static void requireAtMostMax(Duration duration, String name) {
        require(duration.compareTo(MAX_DURATION) <= 0, name + " must be at most " + MAX_DURATION.toHours() + "h, got " + duration);
    }

    private static void require(boolean condition, String problem) {
        if (!condition) {
            throw new IllegalArgumentException(problem);
        }
    }

    /** A builder holding the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link ServerConfig}; every setter returns {@code this}. */
    public static final class Builder {
        private String bindAddress = "127.0.0.1";
        private int port = DEFAULT_PORT;
        private int backlog = 1024;
        private int maxConnections = 100_000;
        private Duration idleTimeout = Duration.ZERO;
        private int lowWaterBytes = 32 * 1024;
        private int highWaterBytes = 64 * 1024;
        private int readBufferBytes = 64 * 1024;
        private int sendBufferBytes;
        private int acceptsPerTurn = 16;
        private Duration acceptBackoff = Duration.ofSeconds(1);
        private Duration drainTimeout = Duration.ofSeconds(5);
        private Duration writeTimeout = Duration.ofSeconds(60);
        private long maxOutputMemoryBytes = 64L << 20;
        private Duration pressureWriteTimeout = Duration.ofSeconds(1);
        private List<FaultSpec> faults = List.of();
        private long faultSeed = System.nanoTime();
        private boolean udp;
        private int udpRatePerSecond;
        private int reactors = 1;
        private TlsConfig tls;

        private Builder() {
        }

        public Builder bindAddress(String value) { bindAddress = value; return this; }
        public Builder port(int value) { port = value; return this; }
        public Builder backlog(int value) { backlog = value; return this; }
        public Builder maxConnections(int value) { maxConnections = value; return this; }
        public Builder idleTimeout(Duration value) { idleTimeout = value; return this; }
        public Builder lowWaterBytes(int value) { lowWaterBytes = value; return this; }
        public Builder highWaterBytes(int value) { highWaterBytes = value; return this; }
        public Builder readBufferBytes(int value) { readBufferBytes = value; return this; }
        public Builder sendBufferBytes(int value) { sendBufferBytes = value; return this; }
        public Builder acceptsPerTurn(int value) { acceptsPerTurn = value; return this; }
        public Builder acceptBackoff(Duration value) { acceptBackoff = value; return this; }
        public Builder drainTimeout(Duration value) { drainTimeout = value; return this; }
        public Builder writeTimeout(Duration value) { writeTimeout = value; return this; }
        public Builder maxOutputMemoryBytes(long value) { maxOutputMemoryBytes = value; return this; }
        public Builder pressureWriteTimeout(Duration value) { pressureWriteTimeout = value; return this; }
        public Builder faults(List<FaultSpec> value) { faults = value; return this; }
        public Builder faultSeed(long value) { faultSeed = value; return this; }
        public Builder udp(boolean value) { udp = value; return this; }
        public Builder udpRatePerSecond(int value) { udpRatePerSecond = value; return this; }
        public Builder reactors(int value) { reactors = value; return this; }
        public Builder tls(TlsConfig value) { tls = value; return this; }

        public ServerConfig build() {
            return new ServerConfig(bindAddress, port, backlog, maxConnections, idleTimeout,
                    lowWaterBytes, highWaterBytes, readBufferBytes, sendBufferBytes, acceptsPerTurn, acceptBackoff, drainTimeout,
                    writeTimeout, maxOutputMemoryBytes, pressureWriteTimeout, faults, faultSeed, udp, udpRatePerSecond,
                    reactors, tls);
        }
    }
}
