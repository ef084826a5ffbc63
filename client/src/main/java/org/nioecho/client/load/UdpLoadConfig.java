package org.nioecho.client.load;

import java.time.Duration;
import java.util.Objects;

/**
 * What a {@code load --udp} run does: the common {@link LoadConfig} (server, flows as
 * {@code connections}, size, mode, rate, times) plus the UDP-only bounds.
 *
 * @param datagramTimeout pingpong: how long a flow waits for an echo before it sends the next datagram
 * @param maxLossPercent  loss (lost / sent, in %) up to which the run still passes
 */
public record UdpLoadConfig(LoadConfig base, Duration datagramTimeout, double maxLossPercent) {
    public UdpLoadConfig {
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(datagramTimeout, "datagramTimeout");
        if (base.mode() != LoadMode.PINGPONG && base.mode() != LoadMode.RATE) {
            throw new IllegalArgumentException("UDP runs in pingpong or rate mode only");
        }
        if (base.sizeBytes() < UdpDatagram.HEADER_BYTES || base.sizeBytes() > UdpDatagram.MAX_BYTES) {
            throw new IllegalArgumentException("a UDP datagram must be " + UdpDatagram.HEADER_BYTES + ".."
                    + UdpDatagram.MAX_BYTES + " bytes (the header is " + UdpDatagram.HEADER_BYTES + ")");
        }
        if (base.threads() != 1) {
            throw new IllegalArgumentException("UDP runs on one thread (--threads 1)");
        }
        if (datagramTimeout.isNegative() || datagramTimeout.isZero()) {
            throw new IllegalArgumentException("datagram timeout must be positive");
        }
        if (!(maxLossPercent >= 0 && maxLossPercent <= 100)) {
            throw new IllegalArgumentException("max loss must be 0..100 (%)");
        }
    }
}
