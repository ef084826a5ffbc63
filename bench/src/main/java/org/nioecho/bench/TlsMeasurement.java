package org.nioecho.bench;

import java.util.Locale;
import java.util.Objects;

/**
 * One run of one TLS contender on one TLS cell.
 *
 * @param kind            handshakes or stream
 * @param connections     concurrent connections of the load
 * @param failure         why the run has no figures (a wrong echo, the server did not start), or null
 * @param rate            handshakes per second, or MiB echoed per second
 * @param cpuSecondsPerOp server CPU seconds per handshake, or per MiB echoed
 * @param errors          connections that failed with an I/O error in the window
 * @param errorDetail     the first such error, or empty
 */
record TlsMeasurement(String server, Kind kind, int connections, int round, String failure, double rate, double cpuSecondsPerOp,
                      long errors, String errorDetail) {
    /** The TLS cells. */
    enum Kind {
        HANDSHAKES("handshakes/s", "handshake"), STREAM("MiB/s", "MiB");

        final String rateUnit;
        final String opUnit;

        Kind(String rateUnit, String opUnit) {
            this.rateUnit = rateUnit;
            this.opUnit = opUnit;
        }

        String label(int connections) {
            return this == HANDSHAKES ? "tls handshakes, " + connections + " in flight"
                    : String.format(Locale.ROOT, "tls stream %d × 16 KiB", connections);
        }
    }

    TlsMeasurement {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(errorDetail, "errorDetail");
    }

    static TlsMeasurement failed(String server, Kind kind, int connections, int round, String failure) {
        return new TlsMeasurement(server, kind, connections, round, failure, Double.NaN, Double.NaN, 0, "");
    }

    boolean ok() {
        return failure == null;
    }
}
