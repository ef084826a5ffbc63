package org.nioecho.client.load;

import org.nioecho.client.ClientTls;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What a {@link LoadGenerator} run does: where, how many connections, which mode, how long.
 *
 * @param windowBytes   stream mode: bytes outstanding per connection
 * @param ratePerSecond rate mode: messages per second per connection
 * @param sourceAddresses local addresses to bind, round robin; empty = let the kernel choose
 * @param tls           the client TLS of {@code --tls}, or null for plain TCP
 */
public record LoadConfig(InetSocketAddress server, LoadMode mode, int connections, int sizeBytes, Duration duration,
                         Duration warmup, int windowBytes, double ratePerSecond, List<InetAddress> sourceAddresses,
                         int threads, Duration connectTimeout, Duration drainTimeout, ClientTls tls) {
    /** The largest message: it must fit the verification pattern. */
    public static final int MAX_SIZE_BYTES = DataPattern.LENGTH;

    /** A plain-TCP run. */
    public LoadConfig(InetSocketAddress server, LoadMode mode, int connections, int sizeBytes, Duration duration,
                      Duration warmup, int windowBytes, double ratePerSecond, List<InetAddress> sourceAddresses,
                      int threads, Duration connectTimeout, Duration drainTimeout) {
        this(server, mode, connections, sizeBytes, duration, warmup, windowBytes, ratePerSecond, sourceAddresses,
                threads, connectTimeout, drainTimeout, null);
    }

    public LoadConfig {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(warmup, "warmup");
        sourceAddresses = List.copyOf(Objects.requireNonNull(sourceAddresses, "sourceAddresses"));
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(drainTimeout, "drainTimeout");
        if (connections < 1) {
            throw new IllegalArgumentException("connections must be at least 1");
        }
        if (sizeBytes < 1 || sizeBytes > MAX_SIZE_BYTES) {
            throw new IllegalArgumentException("size must be 1.." + MAX_SIZE_BYTES + " bytes");
        }
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("duration must be positive");
        }
        if (warmup.isNegative()) {
            throw new IllegalArgumentException("warmup must not be negative");
        }
        if (mode == LoadMode.STREAM && windowBytes < sizeBytes) {
            throw new IllegalArgumentException("window must be at least the message size (" + sizeBytes + " bytes)");
        }
        if (mode == LoadMode.RATE && !(ratePerSecond > 0 && ratePerSecond <= 1_000_000)) {
            throw new IllegalArgumentException("rate must be above 0 and at most 1000000 messages/s per connection");
        }
        if (threads < 1 || threads > 64) {
            throw new IllegalArgumentException("threads must be 1..64");
        }
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("connect timeout must be positive");
        }
    }
}
