package org.nioecho.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import org.nioecho.harness.Listening;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import sun.misc.Signal;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * Netty's echo server, the established peer: by default exactly one event-loop thread that
 * both accepts and serves (like the reactor), on the NIO, the native epoll or the native
 * io_uring transport, with 32 KiB / 64 KiB write-buffer water marks (the reactor's defaults)
 * and TCP_NODELAY. With {@code --event-loops N} one group of N loops both accepts (on one of
 * them) and serves (connections spread round robin over all N). With {@code --tls-cert} and
 * {@code --tls-key} (PEM) every connection gets Netty's {@code SslHandler} first, on the JDK's
 * provider or on OpenSSL (BoringSSL from netty-tcnative), TLS 1.3 and 1.2 like the reactor.
 *
 * <pre>{@code
 * java -cp benchmarks.jar org.nioecho.bench.NettyEchoServer --port 0 --transport io_uring --event-loops 2
 * }</pre>
 */
@Command(name = "netty-echo-server", mixinStandardHelpOptions = true, versionProvider = BenchVersion.class,
        sortOptions = false, usageHelpAutoWidth = true,
        description = "Netty echo server with one event-loop thread, or --event-loops N (the comparison's established peer).",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:stopped by SIGTERM/SIGINT (or --help/--version)",
            "1:could not start (address in use, or the epoll or io_uring transport is not available here)",
            "2:bad usage: an invalid option or value"})
public final class NettyEchoServer implements Callable<Integer> {
    /** The transports compared. */
    enum Transport {
        NIO, EPOLL, IO_URING;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    @Spec
    private CommandSpec spec;

    @Option(names = "--port", paramLabel = "PORT", description = "TCP port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    private int port = 9877;

    @Option(names = "--bind", paramLabel = "ADDRESS", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    private String bind = "127.0.0.1";

    @Option(names = "--backlog", paramLabel = "N", description = "Listen backlog (default: ${DEFAULT-VALUE}).")
    private int backlog = 1024;

    @Option(names = "--transport", paramLabel = "NAME", converter = TransportConverter.class,
            description = "nio, epoll or io_uring (default: ${DEFAULT-VALUE}).")
    private Transport transport = Transport.EPOLL;

    @Option(names = "--event-loops", paramLabel = "N",
            description = "Event-loop threads, 1..256; the first also accepts (default: ${DEFAULT-VALUE}).")
    private int eventLoops = 1;

    @Option(names = "--tls-cert", paramLabel = "PEM", description = "Serve TLS with this certificate (needs --tls-key).")
    private Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "PEM", description = "The certificate's private key, PKCS#8 PEM.")
    private Path tlsKey;

    @Option(names = "--tls-provider", paramLabel = "NAME", description = "jdk or openssl (default: ${DEFAULT-VALUE}).")
    private String tlsProvider = "jdk";

    /** Runs the server; exits with the code documented in {@code --help}. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new NettyEchoServer()).execute(args));
    }

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (eventLoops < 1 || eventLoops > 256) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "Invalid value for option '--event-loops': " + eventLoops + " (use 1..256)");
        }
        if (transport == Transport.EPOLL && !Epoll.isAvailable()) {
            err.println("netty-echo-server: the epoll transport is not available: " + Epoll.unavailabilityCause().getMessage());
            return 1;
        }
        if (transport == Transport.IO_URING && !IoUring.isAvailable()) {
            err.println("netty-echo-server: the io_uring transport is not available: " + IoUring.unavailabilityCause().getMessage());
            return 1;
        }
        if ((tlsCert == null) != (tlsKey == null)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--tls-cert and --tls-key go together");
        }
        if (!tlsProvider.equals("jdk") && !tlsProvider.equals("openssl")) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "Invalid value for option '--tls-provider': '" + tlsProvider + "' (use jdk or openssl)");
        }
        SslContext tls = null;
        if (tlsCert != null) {
            if (tlsProvider.equals("openssl") && !OpenSsl.isAvailable()) {
                err.println("netty-echo-server: OpenSSL (netty-tcnative) is not available: " + OpenSsl.unavailabilityCause().getMessage());
                return 1;
            }
            try {
                tls = SslContextBuilder.forServer(tlsCert.toFile(), tlsKey.toFile())
                        .sslProvider(tlsProvider.equals("openssl") ? SslProvider.OPENSSL : SslProvider.JDK)
                        .protocols("TLSv1.3", "TLSv1.2").build();
            } catch (Exception e) { // SSLException, or IllegalArgumentException for an unreadable key
                err.println("netty-echo-server: cannot load " + tlsCert + " and " + tlsKey + ": " + e.getMessage());
                return 1;
            }
        }
        IoHandlerFactory ioHandler = switch (transport) {
            case NIO -> NioIoHandler.newFactory();
            case EPOLL -> EpollIoHandler.newFactory();
            case IO_URING -> IoUringIoHandler.newFactory();
        };
        Class<? extends ServerChannel> channelType = switch (transport) {
            case NIO -> NioServerSocketChannel.class;
            case EPOLL -> EpollServerSocketChannel.class;
            case IO_URING -> IoUringServerSocketChannel.class;
        };
        EventLoopGroup loop = new MultiThreadIoEventLoopGroup(eventLoops, ioHandler);
        try {
            Channel listener;
            try {
                listener = new ServerBootstrap()
                        .group(loop)
                        .channel(channelType)
                        .option(ChannelOption.SO_BACKLOG, backlog)
                        .option(ChannelOption.SO_REUSEADDR, true)
                        .childOption(ChannelOption.TCP_NODELAY, true)
                        .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true) // the handler closes after the last echo
                        .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 64 * 1024))
                        .childHandler(tls == null ? new NettyEchoHandler() : new NettyTlsInitializer(tls))
                        .bind(bind, port).sync().channel();
            } catch (Exception e) { // bind() rethrows the checked BindException undeclared
                err.println("netty-echo-server: cannot listen on " + bind + ":" + port + ": " + e.getMessage());
                return 1;
            }
            for (String signal : new String[] {"TERM", "INT"}) { // before the ready line: a SIGTERM after it must stop us with 0
                Signal.handle(new Signal(signal), s -> listener.close());
            }
            String name = "netty " + transport + (tls == null ? "" : " tls " + tlsProvider) + " server";
            out.println(Listening.line(name, (InetSocketAddress) listener.localAddress()));
            out.flush();
            listener.closeFuture().sync();
            out.println("nioecho netty " + transport + " server stopped");
            out.flush();
            return 0;
        } finally {
            loop.shutdownGracefully(0, 2, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
        }
    }

    /** Parses {@code nio}, {@code epoll} or {@code io_uring}, case-insensitively. */
    static final class TransportConverter implements CommandLine.ITypeConverter<Transport> {
        @Override
        public Transport convert(String value) {
            try {
                return Transport.valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a transport (use nio, epoll or io_uring)");
            }
        }
    }
}
