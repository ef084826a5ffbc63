package org.nioecho.server;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The TLS counters: plain fields written by the reactor thread only, read by Micrometer
 * (like {@link ServerMetrics}). Tags are bounded: {@code reason} by
 * {@link TlsHandshakeFailure}, {@code protocol} by {@link TlsConfig#PROTOCOLS},
 * {@code cipher} by {@link TlsConfig#CIPHER_SUITES}.
 *
 * <p>Meters: {@code echo.server.tls.handshakes.completed{protocol}},
 * {@code echo.server.tls.handshakes.failed{reason}}, {@code echo.server.tls.handshake.seconds}
 * (total time of the completed ones), {@code echo.server.tls.sessions{cipher}}
 * (TLS connections open now, by cipher suite).
 */
public final class TlsMetrics {
    private static final TlsHandshakeFailure[] REASONS = TlsHandshakeFailure.values();
    private final long[] completed = new long[TlsConfig.PROTOCOLS.size()];
    private final long[] failed = new long[REASONS.length];
    private final int[] sessions = new int[TlsConfig.CIPHER_SUITES.size()];
    private long handshakeNanosTotal;

    /** A handshake completed with {@code protocol} and {@code cipher} after {@code nanos}; returns the cipher's index or -1. */
    int countCompleted(String protocol, String cipher, long nanos) {
        int p = TlsConfig.PROTOCOLS.indexOf(protocol);
        if (p >= 0) {
            completed[p]++;
        }
        handshakeNanosTotal += nanos;
        int c = TlsConfig.CIPHER_SUITES.indexOf(cipher);
        if (c >= 0) {
            sessions[c]++;
        }
        return c;
    }

    void sessionEnded(int cipherIndex) {
        if (cipherIndex >= 0) {
            sessions[cipherIndex]--;
        }
    }

    void countFailed(TlsHandshakeFailure reason) {
        failed[reason.ordinal()]++;
    }

    /** Handshakes completed with {@code protocol} (TLSv1.3 or TLSv1.2). */
    public long handshakesCompleted(String protocol) {
        int p = TlsConfig.PROTOCOLS.indexOf(protocol);
        return p < 0 ? 0 : completed[p];
    }

    /** Handshakes completed, all protocols. */
    public long handshakesCompleted() {
        long total = 0;
        for (long count : completed) {
            total += count;
        }
        return total;
    }

    /** Handshakes failed for {@code reason} (its tag, e.g. {@code protocol}). */
    public long handshakesFailed(String reason) {
        for (TlsHandshakeFailure failure : REASONS) {
            if (failure.tag().equals(reason)) {
                return failed[failure.ordinal()];
            }
        }
        throw new IllegalArgumentException("no handshake failure reason " + reason);
    }

    /** TLS connections open now whose session uses {@code cipher}. */
    public int sessions(String cipher) {
        int c = TlsConfig.CIPHER_SUITES.indexOf(cipher);
        return c < 0 ? 0 : sessions[c];
    }

    void bindTo(MeterRegistry registry) {
        for (String protocol : TlsConfig.PROTOCOLS) {
            FunctionCounter.builder("echo.server.tls.handshakes.completed", this, m -> m.handshakesCompleted(protocol))
                    .description("TLS handshakes completed, by protocol").tag("protocol", protocol).register(registry);
        }
        for (TlsHandshakeFailure reason : REASONS) {
            FunctionCounter.builder("echo.server.tls.handshakes.failed", this, m -> m.failed[reason.ordinal()])
                    .description("TLS handshakes failed, by reason").tag("reason", reason.tag()).register(registry);
        }
        FunctionCounter.builder("echo.server.tls.handshake.seconds", this, m -> m.handshakeNanosTotal / 1e9)
                .description("Total time of the completed TLS handshakes, accept to done (divide by"
                        + " handshakes.completed for the mean)").register(registry);
        for (String cipher : TlsConfig.CIPHER_SUITES) {
            Gauge.builder("echo.server.tls.sessions", this, m -> m.sessions(cipher))
                    .description("TLS connections open now, by cipher suite").tag("cipher", cipher).register(registry);
        }
    }
}
