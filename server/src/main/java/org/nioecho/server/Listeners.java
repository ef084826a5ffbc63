package org.nioecho.server;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * The listening sockets of one server, bound all together or not at all: if one address
 * cannot be bound, those already bound are closed and {@link CannotListenException} names it.
 * Also wraps a listening socket a super-server handed over ({@link #inherited}).
 *
 * <pre>{@code
 * Listeners listeners = Listeners.bind(List.of(new InetSocketAddress("127.0.0.1", 9877),
 *         new InetSocketAddress("::1", 9877)), 1024);
 * EchoServer server = EchoServer.start(config, listeners, null); // the server owns them now
 * }</pre>
 */
public final class Listeners implements AutoCloseable {
    private final List<ServerSocketChannel> channels;
    private final List<InetSocketAddress> addresses;
    private final boolean inherited;

    private Listeners(List<ServerSocketChannel> channels, List<InetSocketAddress> addresses, boolean inherited) {
        this.channels = List.copyOf(channels);
        this.addresses = List.copyOf(addresses);
        this.inherited = inherited;
    }

    /**
     * Binds every address in order (SO_REUSEADDR, {@code backlog}).
     *
     * @throws CannotListenException naming the first address that failed; nothing is left open
     */
    public static Listeners bind(List<InetSocketAddress> addresses, int backlog) throws CannotListenException {
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("no address to listen on");
        }
        List<ServerSocketChannel> bound = new ArrayList<>();
        List<InetSocketAddress> local = new ArrayList<>();
        for (InetSocketAddress address : addresses) {
            try {
                ServerSocketChannel channel = ServerSocketChannel.open(family(address));
                bound.add(channel);
                channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                channel.bind(address, backlog);
                local.add((InetSocketAddress) channel.getLocalAddress());
            } catch (IOException | RuntimeException e) {
                CannotListenException failure = new CannotListenException(address, e);
                closeAll(bound, failure);
                throw failure;
            }
        }
        return new Listeners(bound, local, false);
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
        return new Listeners(List.of(channel), List.of((InetSocketAddress) channel.getLocalAddress()), true);
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

    /** Closes every listening socket (a failure is added to the first one's). */
    @Override
    public void close() throws IOException {
        IOException failure = new IOException("closing the listening sockets failed");
        closeAll(channels, failure);
        if (failure.getSuppressed().length > 0) {
            throw failure;
        }
    }

    private static void closeAll(List<ServerSocketChannel> channels, Exception failure) {
        for (ServerSocketChannel channel : channels) {
            try {
                channel.close();
            } catch (IOException e) {
                failure.addSuppressed(e);
            }
        }
    }
}
