package org.nioecho.server;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Socket addresses as people write them: {@code 127.0.0.1:9877}, and IPv6 in its short form
 * in brackets (RFC 5952), {@code [::1]:9877} rather than the JDK's {@code 0:0:0:0:0:0:0:1}.
 */
public final class Addresses {
    private Addresses() {
    }

    /** {@code 127.0.0.1:9877} or {@code [::1]:9877}; an unresolved address keeps its host name. */
    public static String format(InetSocketAddress address) {
        InetAddress ip = address.getAddress();
        if (ip == null) {
            return address.getHostString() + ":" + address.getPort();
        }
        return host(ip) + ":" + address.getPort();
    }

    /**
     * Parses {@code HOST:PORT} as {@code --listen} takes it: {@code 127.0.0.1:9877},
     * {@code [::1]:9877} (IPv6 in brackets), {@code 0.0.0.0:7}, {@code localhost:9877};
     * port 0 picks a free one. A host name must resolve.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    static InetSocketAddress parse(String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("'" + text + "' is not HOST:PORT (IPv6 in brackets: [::1]:9877)");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") != host.endsWith("]")) {
            throw new IllegalArgumentException("'" + text + "': unbalanced brackets around the host");
        }
        if (host.startsWith("[")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new IllegalArgumentException("'" + text + "': an IPv6 address goes in brackets, e.g. [::1]:9877");
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "': '" + text.substring(colon + 1) + "' is not a port");
        }
        if (port < 0 || port > 65535 || host.isEmpty()) {
            throw new IllegalArgumentException("'" + text + "': " + (host.isEmpty() ? "no host" : port + " is not a port (0..65535)"));
        }
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("'" + text + "': '" + host + "' is not an address or a host name that resolves");
        }
        return address;
    }

    /** {@code 127.0.0.1}, or an IPv6 address compressed and in brackets: {@code [fe80::1]}. */
    static String host(InetAddress ip) {
        if (!(ip instanceof Inet6Address)) {
            return ip.getHostAddress();
        }
        byte[] bytes = ip.getAddress();
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((bytes[2 * i] & 0xff) << 8) | (bytes[2 * i + 1] & 0xff);
        }
        // The longest run of two or more zero groups (the first of equal ones) becomes "::".
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        StringBuilder text = new StringBuilder("[");
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                text.append("::");
                i += bestLength - 1;
                continue;
            }
            if (text.length() > 1 && text.charAt(text.length() - 1) != ':') {
                text.append(':');
            }
            text.append(Integer.toHexString(groups[i]));
        }
        return text.append(']').toString();
    }
}
