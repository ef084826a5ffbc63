package org.nioecho.bench;

import java.net.InetSocketAddress;

/** The start-up line every server of the comparison prints, the same as the reactor's. */
final class Listening {
    private Listening() {
    }

    /** {@code nioecho NAME listening on 127.0.0.1:PORT} ({@code [::1]:PORT} for IPv6). */
    static String line(String name, InetSocketAddress address) {
        String host = address.getAddress().getHostAddress();
        return "nioecho " + name + " listening on " + (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }
}
