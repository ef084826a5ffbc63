package org.nioecho.kernel;

import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Parsing tracefs lines, as this kernel printed them. */
class TraceLinesTest {

    @Test
    void parsesAStateChange() {
        KernelEvent e = TraceLines.parse("         python3-2870    [001] ..s2.   810.354940: inet_sock_set_state:"
                + " family=AF_INET protocol=IPPROTO_TCP sport=45678 dport=50338 saddr=127.0.0.1 daddr=127.0.0.1"
                + " saddrv6=::ffff:127.0.0.1 daddrv6=::ffff:127.0.0.1 oldstate=TCP_ESTABLISHED newstate=TCP_CLOSE_WAIT")
                .orElseThrow();
        assertEquals(KernelEvent.Kind.STATE, e.kind());
        assertEquals(810_354_940_000L, e.monoNanos());
        assertEquals(new InetSocketAddress("127.0.0.1", 45678), e.local());
        assertEquals(new InetSocketAddress("127.0.0.1", 50338), e.remote());
        assertEquals(TcpState.ESTABLISHED, e.from());
        assertEquals(TcpState.CLOSE_WAIT, e.to());
    }

    @Test
    void takesTheIpv6FieldsOfAnIpv6Socket() {
        KernelEvent e = TraceLines.parse(" java-1 [000] .....  1.000001: inet_sock_set_state: family=AF_INET6"
                + " protocol=IPPROTO_TCP sport=9877 dport=40000 saddr=0.0.0.0 daddr=0.0.0.0"
                + " saddrv6=::1 daddrv6=::1 oldstate=TCP_SYN_RECV newstate=TCP_ESTABLISHED").orElseThrow();
        assertEquals("[::1]:9877", TraceLines.format(e.local()));
        assertEquals(1_000_001_000L, e.monoNanos());
    }

    @Test
    void aMappedIpv4AddressIsPlainIpv4() {
        KernelEvent e = TraceLines.parse(" java-1 [000] .....  1.000001: inet_sock_set_state: family=AF_INET6"
                + " protocol=IPPROTO_TCP sport=9877 dport=40000 saddr=127.0.0.1 daddr=127.0.0.1"
                + " saddrv6=::ffff:127.0.0.1 daddrv6=::ffff:127.0.0.1 oldstate=TCP_LISTEN newstate=TCP_SYN_RECV")
                .orElseThrow();
        assertEquals("127.0.0.1:9877", TraceLines.format(e.local()));
    }

    @Test
    void parsesResetsErrorsAndRetransmissions() {
        KernelEvent sent = TraceLines.parse("  python3-2870 [001] .....   810.458645: tcp_send_reset:"
                + " skbaddr=0000000000000000 skaddr=00000000374b7fc0 src=127.0.0.1:50340 dest=127.0.0.1:45678"
                + " state=TCP_TIME_WAIT reason=TCP_TIMEWAIT_SOCKET").orElseThrow();
        assertEquals(KernelEvent.Kind.RESET_SENT, sent.kind());
        assertEquals(50340, sent.local().getPort());
        assertEquals(TcpState.TIME_WAIT, sent.from());
        assertEquals("TCP_TIMEWAIT_SOCKET", sent.reason());

        KernelEvent received = TraceLines.parse("  python3-2870 [001] ..s2.   810.458634: tcp_receive_reset:"
                + " family=AF_INET sport=45678 dport=50340 saddr=127.0.0.1 daddr=127.0.0.1"
                + " saddrv6=::ffff:127.0.0.1 daddrv6=::ffff:127.0.0.1 sock_cookie=1008").orElseThrow();
        assertEquals(KernelEvent.Kind.RESET_RECEIVED, received.kind());
        assertEquals(45678, received.local().getPort());

        KernelEvent error = TraceLines.parse("  python3-2870 [001] ..s2.   810.458636: inet_sk_error_report:"
                + " family=AF_INET protocol=IPPROTO_TCP sport=45678 dport=50340 saddr=127.0.0.1 daddr=127.0.0.1"
                + " saddrv6=::ffff:127.0.0.1 daddrv6=::ffff:127.0.0.1 error=104").orElseThrow();
        assertEquals(104, error.errno());
        assertTrue(error.describe().contains("ECONNRESET"), error.describe());

        KernelEvent retransmit = TraceLines.parse("  <idle>-0 [000] ..s1.   900.000100: tcp_retransmit_skb:"
                + " skbaddr=0 skaddr=0 family=AF_INET sport=40000 dport=9877 saddr=198.18.0.1 daddr=198.18.0.2"
                + " saddrv6=::ffff:198.18.0.1 daddrv6=::ffff:198.18.0.2 state=TCP_ESTABLISHED err=0").orElseThrow();
        assertEquals(KernelEvent.Kind.RETRANSMIT, retransmit.kind());
        assertEquals(TcpState.ESTABLISHED, retransmit.from());
    }

    @Test
    void ignoresOtherLines() {
        assertTrue(TraceLines.parse("# tracer: nop").isEmpty());
        assertTrue(TraceLines.parse("  java-1 [000] .....  5.000000: tracing_mark_write: nioecho-sync-1").isEmpty());
        assertTrue(TraceLines.parse("  java-1 [000] .....  5.000000: inet_sock_set_state: family=AF_INET"
                + " protocol=IPPROTO_MPTCP sport=1 dport=2 saddr=127.0.0.1 daddr=127.0.0.1 saddrv6=::1 daddrv6=::1"
                + " oldstate=TCP_CLOSE newstate=TCP_LISTEN").isEmpty());
    }
}
