package org.nioecho.bench;

import java.util.Locale;

/**
 * One cell of the comparison matrix: a kind of load, its connections and message size.
 *
 * @param kind        ping-pong, connection churn, idle connections held, or open-loop rate (the curve)
 * @param connections concurrent connections (churn: connections in flight; idle: connections held)
 * @param sizeBytes   message size (idle: 1, the byte that proves each connection is served)
 */
record Cell(Kind kind, int connections, int sizeBytes) {
    /** The kinds of load. */
    enum Kind {
        PINGPONG, CHURN, IDLE, RATE;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    static Cell pingPong(int connections, int sizeBytes) {
        return new Cell(Kind.PINGPONG, connections, sizeBytes);
    }

    static Cell churn(int connections, int sizeBytes) {
        return new Cell(Kind.CHURN, connections, sizeBytes);
    }

    static Cell idle(int connections) {
        return new Cell(Kind.IDLE, connections, 1);
    }

    /** The curve's cell: open loop, each connection at the rate a step asks. */
    static Cell rate(int connections, int sizeBytes) {
        return new Cell(Kind.RATE, connections, sizeBytes);
    }

    /** e.g. {@code pingpong 1000 × 64 B}. */
    String label() {
        return switch (kind) {
            case PINGPONG -> "pingpong " + connections + " × " + size(sizeBytes);
            case CHURN -> "churn " + connections + " in flight × " + size(sizeBytes);
            case IDLE -> "idle " + connections;
            case RATE -> "rate " + connections + " × " + size(sizeBytes);
        };
    }

    /** {@code 64 B}, {@code 16 KiB}, {@code 1.5 KiB}. */
    static String size(long bytes) {
        if (bytes >= 1024 && bytes % 1024 == 0) {
            return bytes / 1024 + " KiB";
        }
        return bytes >= 1024 ? String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0) : bytes + " B";
    }
}
