package org.nioecho.bench;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.DecoderException;

import javax.net.ssl.SSLException;
import java.io.IOException;

/**
 * Netty's echo: writes back every buffer it reads, flushes once per read batch, and stops
 * reading while the channel is over its write-buffer high-water mark (the same backpressure
 * as the reactor's), so a peer that never reads cannot grow the server's memory. When the
 * peer half-closes (the channel needs {@code ALLOW_HALF_CLOSURE}), it closes only once every
 * byte read before the EOF is written back: io_uring can read the EOF while echoes are still
 * queued, and Netty's default close-on-EOF would drop them.
 */
@Sharable
final class NettyEchoHandler extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ctx.write(msg, ctx.voidPromise());
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
        if (!ctx.channel().isWritable()) {
            ctx.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof ChannelInputShutdownEvent) {
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            ctx.channel().config().setAutoRead(true);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof DecoderException && cause.getCause() instanceof SSLException) {
            // a TLS peer that failed its handshake or sent garbage: expected, one line
            System.err.println("netty-echo-server: TLS failure on " + ctx.channel() + ": " + cause.getCause().getMessage());
        } else if (!(cause instanceof IOException)) {
            // not a reset or broken pipe: a bug worth its stack trace
            System.err.println("netty-echo-server: unexpected failure on " + ctx.channel());
            cause.printStackTrace();
        }
        ctx.close();
    }
}
