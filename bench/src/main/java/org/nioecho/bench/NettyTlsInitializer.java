package org.nioecho.bench;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;

import java.util.Objects;

/** Netty's TLS echo pipeline: the context's {@code SslHandler}, then the shared echo handler. */
final class NettyTlsInitializer extends ChannelInitializer<SocketChannel> {
    private static final NettyEchoHandler ECHO = new NettyEchoHandler();
    private final SslContext context;

    NettyTlsInitializer(SslContext context) {
        this.context = Objects.requireNonNull(context, "context");
    }

    @Override
    protected void initChannel(SocketChannel channel) {
        channel.pipeline().addLast(context.newHandler(channel.alloc()), ECHO);
    }
}
