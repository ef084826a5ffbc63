package org.nioecho.server;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.net.BindException;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
import java.nio.channels.NetworkChannel;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The listening sockets of one server, bound all together or not at all: if one address
 * cannot be bound, those already bound are closed and {@link CannotListenException} names it.
 * With {@code udp}, each address also gets a datagram socket on the same port (the TCP
 * socket's real port when 0 was asked for). Also wraps a socket a super-server handed over
 * ({@link #inherited}, {@link #inheritedDatagrams}).
 *
 * <pre>{@code
 * Listeners listeners = Listeners.bind(List.of(new InetSocketAddress("127.0.0.1", 9877),
 *         new InetSocketAddress("::1", 9877)), 1024);
 * EchoServer server = EchoServer.start(config, listeners, null); // the server owns them now
 * }</pre>
 */
public final class Listeners implements AutoCloseable {
    private final List<ServerSocketChannel> channels;
    private final Set<ServerSocketChannel> tlsChannels;
    private final List<DatagramChannel> datagrams;
    private final List<InetSocketAddress> addresses;
    private final boolean inherited;

    private Listeners(List<ServerSocketChannel> channels, Set<ServerSocketChannel> tlsChannels,
                      List<DatagramChannel> datagrams, List<InetSocketAddress> addresses, boolean inherited) {
        this.channels = List.copyOf(channels);
        this.tlsChannels = Set.copyOf(tlsChannels);
        this.datagrams = List.copyOf(datagrams);
        this.addresses = List.copyOf(addresses);
        this.inherited = inherited;
    }

    /** TCP only: {@link #bind(List, int, boolean)} without UDP. */
    public static Listeners bind(List<InetSocketAddress> addresses, int backlog) throws CannotListenException {
        return bind(addresses, backlog, false);
    }

    /**
     * Binds every address in order (SO_REUSEADDR, {@code backlog}); with {@code udp}, a
     * datagram socket too on each TCP socket's address and port.
     *
     * @throws CannotListenException naming the first address that failed (its reason says
     *                               {@code UDP:} when the datagram side failed); nothing is left open
     */
    public static Listeners bind(List<InetSocketAddress> addresses, int backlog, boolean udp) throws CannotListenException {
        return bind(addresses, List.of(), backlog, udp);
    }

    /**
     * Binds {@code plain} as {@link #bind(List, int, boolean)} does, then {@code tls}: listeners
     * whose connections speak TLS (no datagram socket beside them: there is no DTLS). Their
     * addresses follow the plain ones in {@link #addresses()}.
     *
     * @throws CannotListenException naming the first address that failed; nothing is left open
     */
    public static Listeners bind(List<InetSocketAddress> plain, List<InetSocketAddress> tls, int backlog, boolean udp)
            throws CannotListenException {
        List<InetSocketAddress> addresses = new ArrayList<>(plain);
        addresses.addAll(tls);
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("no address to listen on");
        }
        List<ServerSocketChannel> bound = new ArrayList<>();
        List<DatagramChannel> boundDatagrams = new ArrayList<>();
        List<InetSocketAddress> local = new ArrayList<>();
        Set<ServerSocketChannel> boundTls = new HashSet<>();
        for (int i = 0; i < addresses.size(); i++) {
            InetSocketAddress address = addresses.get(i);
            boolean overTls = i >= plain.size();
            InetSocketAddress tcpLocal;
            try {
                ServerSocketChannel channel = ServerSocketChannel.open(family(address));
                bound.add(channel);
                channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                channel.bind(address, backlog);
                tcpLocal = (InetSocketAddress) channel.getLocalAddress();
                local.add(tcpLocal);
                if (overTls) {
                    boundTls.add(channel);
                }
            } catch (IOException | RuntimeException e) {
                throw closedAfter(new CannotListenException(address, e), bound, boundDatagrams);
            }
            if (udp && !overTls) {
                try {
                    DatagramChannel datagram = DatagramChannel.open(family(address));
                    boundDatagrams.add(datagram);
                    datagram.bind(tcpLocal);
                } catch (IOException | RuntimeException e) {
                    BindException named = new BindException("UDP: " + e.getMessage());
                    named.initCause(e);
                    throw closedAfter(new CannotListenException(address, named), bound, boundDatagrams);
                }
            }
        }
        return new Listeners(bound, boundTls, boundDatagrams, local, false);
    }

    private static CannotListenException closedAfter(CannotListenException failure, List<ServerSocketChannel> bound,
                                                     List<DatagramChannel> boundDatagrams) {
        closeAll(bound, failure);
        closeAll(boundDatagrams, failure);
        return failure;
    }

    /**
     * An IPv4 address gets an IPv4 socket: {@code 0.0.0.0:7} then listens on IPv4 only and is
     * reported as such (the JDK's default, an IPv6 socket, would make it dual-stack {@code [::]:7}).
     * An IPv6 address gets an IPv6 socket; {@code [::]} is dual-stack (the JDK clears IPV6_V6ONLY).
     */
    private static ProtocolFamily family(InetSocketAddress address) {
        return address.getAddress() instanceof Inet4Address ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6;
    }

    /**
     * A listening socket inherited from a super-server (systemd {@code Accept=no}, xinetd
     * {@code wait=yes}), from {@link System#inheritedChannel()}. A server stops accepting on it
     * at shutdown but leaves it open: closing an inherited channel makes the JDK point standard
     * input, output and error at /dev/null, and the super-server holds the socket anyway.
     */
    public static Listeners inherited(ServerSocketChannel channel) throws IOException {
        return inherited(channel, false);
    }

    /** {@link #inherited(ServerSocketChannel)}, its connections over TLS when {@code tls}. */
    public static Listeners inherited(ServerSocketChannel channel, boolean tls) throws IOException {
        return new Listeners(List.of(channel), tls ? Set.of(channel) : Set.of(), List.of(),
                List.of((InetSocketAddress) channel.getLocalAddress()), true);
    }

    /**
     * A datagram socket inherited from a super-server ({@code systemd-socket-activate -d},
     * xinetd {@code wait=yes} with {@code socket_type = dgram}): served with UDP echo only.
     */
    public static Listeners inheritedDatagrams(DatagramChannel channel) throws IOException {
        return new Listeners(List.of(), Set.of(), List.of(channel), List.of((InetSocketAddress) channel.getLocalAddress()), true);
    }

    /** Whether these came from a super-server ({@link #inherited}). */
    boolean isInherited() {
        return inherited;
    }

    /** The bound addresses, in the order asked for, with the real ports where 0 was asked for. */
    public List<InetSocketAddress> addresses() {
        return addresses;
    }

    List<ServerSocketChannel> channels() {
        return channels;
    }

    /** Those of {@link #channels()} whose connections speak TLS. */
    Set<ServerSocketChannel> tlsChannels() {
        return tlsChannels;
    }

    /** Whether the listener at {@code address} (one of {@link #addresses()}) speaks TLS. */
    public boolean isTls(InetSocketAddress address) {
        int i = addresses.indexOf(address);
        return i >= 0 && i < channels.size() && tlsChannels.contains(channels.get(i));
    }

    /** The datagram sockets served with UDP echo (empty without {@code --udp}). */
    List<DatagramChannel> datagrams() {
        return datagrams;
    }

    /** Closes every listening socket (a failure is added to the first one's). */
    @Override
    public void close() throws IOException {
        IOException failure = new IOException("closing the listening sockets failed");
        closeAll(channels, failure);
        closeAll(datagrams, failure);
        if (failure.getSuppressed().length > 0) {
            throw failure;
        }
    }

    private static void closeAll(List<? extends NetworkChannel> channels, Exception failure) {
        for (NetworkChannel channel : channels) {
            try {
                channel.close();
            } catch (IOException e) {
                failure.addSuppressed(e);
            }
        }
    }
}
