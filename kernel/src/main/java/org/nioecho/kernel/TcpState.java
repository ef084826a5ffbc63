package org.nioecho.kernel;

/** The kernel's TCP states, numbered as in {@code /proc/net/tcp} ({@code include/net/tcp_states.h}). */
public enum TcpState {
    ESTABLISHED, SYN_SENT, SYN_RECV, FIN_WAIT1, FIN_WAIT2, TIME_WAIT, CLOSE, CLOSE_WAIT, LAST_ACK, LISTEN, CLOSING,
    NEW_SYN_RECV, UNKNOWN;

    /** The state with the kernel's number {@code code} (1 = ESTABLISHED … 12 = NEW_SYN_RECV). */
    public static TcpState ofCode(int code) {
        TcpState[] states = values();
        return code >= 1 && code <= 12 ? states[code - 1] : UNKNOWN;
    }

    /** The name {@code ss} prints, e.g. {@code FIN-WAIT-1}. */
    public String ssName() {
        return switch (this) {
            case FIN_WAIT1 -> "FIN-WAIT-1";
            case FIN_WAIT2 -> "FIN-WAIT-2";
            case SYN_RECV -> "SYN-RECV";
            case NEW_SYN_RECV -> "NEW-SYN-RECV";
            default -> name().replace('_', '-');
        };
    }
}
