package org.nioecho.bench;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.io.IOException;

/**
 * Netty's echo: writes back every buffer it reads, flushes once per read batch, and stops
 * reading while the channel is over its write-buffer high-water mark (the same backpressure
 * as the reactor's), so a peer that never reads cannot grow the server's memory.
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
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            ctx.channel().config().setAutoRead(true);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!(cause instanceof IOException)) {
            // not a reset or broken pipe: a bug worth its stack trace
            System.err.println("netty-echo-server: unexpected failure on " + ctx.channel());
            cause.printStackTrace();
        }
        ctx.close();
    }
}
