package org.nioecho.server;

import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.List;

/**
 * The server's own UDP endpoints, so that it never answers a datagram that claims to come
 * from one of them (a spoofed source, or another of its listeners): a reply would come
 * straight back as a request, forever.
 *
 * <p>A source is "own" when its port is one of the server's UDP ports and its address is an
 * address of this host: a loopback or wildcard address, an address a listener is bound to, or
 * any interface address seen when the first listener was added. Comparing the port with every
 * listener's (not only the receiving one's) also stops a loop between two of the server's own
 * listeners; comparing the address with every local one covers a wildcard bind
 * ({@code 0.0.0.0}, {@code ::}), whose datagrams may come from any of them. An interface
 * address that appears later is not covered (its loopback twin is). Reactor thread only;
 * {@link #isOwn} allocates nothing.
 */
final class OwnEndpoints {
    private static final System.Logger LOG = System.getLogger(OwnEndpoints.class.getName());
    private int[] ports = new int[0];
    private InetAddress[] addresses;

    /** Adds a listener's bound address. */
    void add(InetSocketAddress local) {
        if (addresses == null) {
            addresses = interfaceAddresses();
        }
        InetAddress bound = local.getAddress();
        if (!bound.isAnyLocalAddress() && !contains(addresses, bound)) {
            addresses = append(addresses, bound);
        }
        for (int port : ports) {
            if (port == local.getPort()) {
                return;
            }
        }
        int[] more = Arrays.copyOf(ports, ports.length + 1);
        more[ports.length] = local.getPort();
        ports = more;
    }

    /** True if {@code source} is one of the server's own UDP endpoints. */
    boolean isOwn(InetSocketAddress source) {
        int port = source.getPort();
        for (int own : ports) {
            if (own == port) {
                InetAddress address = source.getAddress();
                return address.isLoopbackAddress() || address.isAnyLocalAddress() || contains(addresses, address);
            }
        }
        return false;
    }

    private static boolean contains(InetAddress[] addresses, InetAddress address) {
        for (InetAddress candidate : addresses) {
            if (candidate.equals(address)) {
                return true;
            }
        }
        return false;
    }

    private static InetAddress[] append(InetAddress[] addresses, InetAddress address) {
        InetAddress[] more = Arrays.copyOf(addresses, addresses.length + 1);
        more[addresses.length] = address;
        return more;
    }

    /** Every address of every interface now; on failure none (loopback and bound addresses still count). */
    private static InetAddress[] interfaceAddresses() {
        List<InetAddress> found = new ArrayList<>();
        try {
            Enumeration<NetworkInterface> interfaces = NetworkInterface.getNetworkInterfaces();
            while (interfaces != null && interfaces.hasMoreElements()) {
                Enumeration<InetAddress> addresses = interfaces.nextElement().getInetAddresses();
                while (addresses.hasMoreElements()) {
                    found.add(addresses.nextElement());
                }
            }
        } catch (SocketException e) {
            LOG.log(Level.WARNING, "cannot list the interface addresses (" + e.getMessage()
                    + "); the UDP own-address check covers loopback and bound addresses only");
        }
        return found.toArray(new InetAddress[0]);
    }
}
