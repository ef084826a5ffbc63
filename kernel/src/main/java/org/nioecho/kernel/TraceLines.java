package org.nioecho.kernel;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the text lines of a tracefs {@code trace_pipe} into {@link KernelEvent}s, e.g.
 * <pre>
 *  java-2870 [001] ..s2.  810.354940: inet_sock_set_state: family=AF_INET ... sport=9877 dport=50338
 *      saddr=127.0.0.1 daddr=127.0.0.1 ... oldstate=TCP_ESTABLISHED newstate=TCP_CLOSE_WAIT
 * </pre>
 * Lines of other events, comments and markers give {@link Optional#empty()}.
 */
public final class TraceLines {
    private static final Pattern LINE = Pattern.compile("^.*?\\s(\\d+)\\.(\\d+):\\s+(\\w+):\\s+(.*)$");

    private TraceLines() {
    }

    /** The event on {@code line}, or empty if it is not one of the TCP tracepoints. */
    public static Optional<KernelEvent> parse(String line) {
        Matcher m = LINE.matcher(line);
        if (!m.matches()) {
            return Optional.empty();
        }
        long nanos = Long.parseLong(m.group(1)) * 1_000_000_000L + fractionNanos(m.group(2));
        Map<String, String> f = fields(m.group(4));
        try {
            return Optional.ofNullable(switch (m.group(3)) {
                case "inet_sock_set_state" -> "IPPROTO_TCP".equals(f.get("protocol"))
                        ? new KernelEvent(nanos, KernelEvent.Kind.STATE, local(f), remote(f),
                                state(f.get("oldstate")), state(f.get("newstate")), 0, null)
                        : null;
                case "tcp_send_reset" -> new KernelEvent(nanos, KernelEvent.Kind.RESET_SENT,
                        socketAddress(f.get("src")), socketAddress(f.get("dest")),
                        state(f.get("state")), null, 0, f.get("reason"));
                case "tcp_receive_reset" -> new KernelEvent(nanos, KernelEvent.Kind.RESET_RECEIVED,
                        local(f), remote(f), null, null, 0, null);
                case "inet_sk_error_report" -> "IPPROTO_TCP".equals(f.get("protocol"))
                        ? new KernelEvent(nanos, KernelEvent.Kind.ERROR, local(f), remote(f), null, null,
                                Integer.parseInt(f.get("error")), null)
                        : null;
                case "tcp_retransmit_skb" -> new KernelEvent(nanos, KernelEvent.Kind.RETRANSMIT,
                        local(f), remote(f), state(f.get("state")), null, 0, null);
                default -> null;
            });
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("cannot parse trace line: " + line, e);
        }
    }

    /** {@code 127.0.0.1:9877}, {@code [::1]:9877}. */
    public static String format(InetSocketAddress address) {
        InetAddress ip = address.getAddress();
        String host = ip == null ? address.getHostString() : ip.getHostAddress();
        if (host.indexOf(':') >= 0) {
            host = "[" + compress(host) + "]";
        }
        return host + ":" + address.getPort();
    }

    private static String compress(String ipv6) {
        String s = ipv6.replaceAll("(^|:)0+(?=[0-9a-fA-F])", "$1");
        // the longest run of ":0" groups becomes "::"
        String best = null;
        Matcher zeros = Pattern.compile("(?:^|:)0(?::0)+(?::|$)").matcher(s);
        while (zeros.find()) {
            if (best == null || zeros.group().length() > best.length()) {
                best = zeros.group();
            }
        }
        return best == null ? s : s.replaceFirst(Pattern.quote(best), "::");
    }

    private static long fractionNanos(String digits) {
        String nine = (digits + "000000000").substring(0, 9);
        return Long.parseLong(nine);
    }

    private static Map<String, String> fields(String text) {
        Map<String, String> fields = new HashMap<>();
        for (String part : text.trim().split("\\s+")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                fields.put(part.substring(0, eq), part.substring(eq + 1));
            }
        }
        return fields;
    }

    private static InetSocketAddress local(Map<String, String> f) {
        return endpoint(f, "saddr", "sport");
    }

    private static InetSocketAddress remote(Map<String, String> f) {
        return endpoint(f, "daddr", "dport");
    }

    private static InetSocketAddress endpoint(Map<String, String> f, String address, String port) {
        String host = "AF_INET6".equals(f.get("family")) ? f.get(address + "v6") : f.get(address);
        return new InetSocketAddress(ip(host), Integer.parseInt(f.get(port)));
    }

    /** {@code 127.0.0.1:50340} or {@code [::1]:50340}, as {@code %pISpc} prints them. */
    static InetSocketAddress socketAddress(String text) {
        int colon = text.lastIndexOf(':');
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new InetSocketAddress(ip(host), Integer.parseInt(text.substring(colon + 1)));
    }

    private static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal); // a literal: no name lookup; ::ffff:a.b.c.d becomes IPv4
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an address literal: " + literal, e);
        }
    }

    private static TcpState state(String name) {
        if (name == null || !name.startsWith("TCP_")) {
            return TcpState.UNKNOWN;
        }
        try {
            return TcpState.valueOf(name.substring(4));
        } catch (IllegalArgumentException e) {
            return TcpState.UNKNOWN;
        }
    }
}
