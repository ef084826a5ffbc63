package org.nioecho.kernel;

/** Names of the errno values a TCP socket can store (Linux numbering). */
public final class Errnos {
    private Errnos() {
    }

    /** {@code 104} → {@code ECONNRESET}; an unknown number → {@code errno N}. */
    public static String name(int errno) {
        return switch (errno) {
            case 32 -> "EPIPE";
            case 104 -> "ECONNRESET";
            case 110 -> "ETIMEDOUT";
            case 111 -> "ECONNREFUSED";
            case 113 -> "EHOSTUNREACH";
            case 101 -> "ENETUNREACH";
            case 103 -> "ECONNABORTED";
            case 71 -> "EPROTO";
            default -> "errno " + errno;
        };
    }
}
