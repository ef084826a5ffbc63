package org.nioecho.kernel;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * One TCP event as the kernel recorded it through a tracepoint: a state change, an RST
 * sent or received, an error stored on a socket, or a retransmission.
 *
 * <p>{@code local} is the socket the event belongs to (for an RST sent, the socket or
 * TIME_WAIT entry that answered), {@code remote} its peer. Times are {@code CLOCK_MONOTONIC}
 * nanoseconds, the clock of {@link System#nanoTime()}, at the tracepoint's microsecond
 * resolution.
 *
 * @param monoNanos when, on the monotonic clock
 * @param kind      what happened
 * @param local     the socket's own address
 * @param remote    its peer's address
 * @param from      the state before (a {@link Kind#STATE} change), else the socket's state or null
 * @param to        the state after (a {@link Kind#STATE} change), else null
 * @param errno     the error stored ({@link Kind#ERROR}), else 0
 * @param reason    the kernel's reason for an RST it sent (e.g. {@code TCP_TIMEWAIT_SOCKET}), else null
 */
public record KernelEvent(long monoNanos, Kind kind, InetSocketAddress local, InetSocketAddress remote,
                          TcpState from, TcpState to, int errno, String reason) {

    /** The kinds of event, one per tracepoint. */
    public enum Kind {
        /** {@code sock:inet_sock_set_state}: a socket changed state. */
        STATE,
        /** {@code tcp:tcp_send_reset}: this kernel sent an RST from {@code local}. */
        RESET_SENT,
        /** {@code tcp:tcp_receive_reset}: the socket {@code local} received an RST. */
        RESET_RECEIVED,
        /** {@code sock:inet_sk_error_report}: an error was stored on the socket. */
        ERROR,
        /** {@code tcp:tcp_retransmit_skb}: a segment was retransmitted. */
        RETRANSMIT
    }

    public KernelEvent {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(local, "local");
        Objects.requireNonNull(remote, "remote");
    }

    /** Whether either end of the socket uses {@code port}. */
    public boolean involves(int port) {
        return local.getPort() == port || remote.getPort() == port;
    }

    /** A short human form, e.g. {@code 127.0.0.1:9877 ESTABLISHED -> CLOSE_WAIT}. */
    public String describe() {
        String where = TraceLines.format(local) + " <-> " + TraceLines.format(remote);
        return switch (kind) {
            case STATE -> where + "  " + from + " -> " + to;
            case RESET_SENT -> where + "  RST sent (state " + from + ", reason " + reason + ")";
            case RESET_RECEIVED -> where + "  RST received";
            case ERROR -> where + "  error " + errno + " (" + Errnos.name(errno) + ")";
            case RETRANSMIT -> where + "  retransmit (state " + from + ")";
        };
    }
}
