package org.nioecho.bench;

import org.nioecho.server.EchoServer;
import org.nioecho.server.ServerConfig;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.EOFException;
import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

/**
 * The connection handler's read/write path: 1 MiB streamed through one connection in
 * {@code chunkBytes} writes while the echo is read back at the same time, so the server
 * keeps reading, writing, queueing what the socket refuses and pausing at its high-water
 * mark. One operation is 1 MiB echoed, so the score reads as MiB per second.
 * The handler is package-private in the server module, so it is driven through its socket.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class EchoStreamBenchmark {
    private static final int STREAM_BYTES = 1 << 20;

    @Param({"4096", "65536"})
    public int chunkBytes;

    private EchoServer server;
    private SocketChannel channel;
    private Selector selector;
    private SelectionKey key;
    private ByteBuffer chunk;
    private ByteBuffer echo;

    @Setup(Level.Trial)
    public void start() throws IOException {
        server = EchoServer.start(ServerConfig.builder().port(0).build());
        channel = SocketChannel.open(server.address());
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        channel.configureBlocking(false);
        selector = Selector.open();
        key = channel.register(selector, SelectionKey.OP_READ | SelectionKey.OP_WRITE);
        chunk = Payload.random(chunkBytes);
        echo = ByteBuffer.allocateDirect(64 * 1024);
    }

    /** Streams 1 MiB and reads it all back; returns the bytes echoed. */
    @Benchmark
    public long stream() throws IOException {
        long toSend = STREAM_BYTES;
        long toReceive = STREAM_BYTES;
        chunk.clear();
        while (toReceive > 0) {
            key.interestOps(toSend > 0 ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ);
            selector.select(1_000);
            if (toSend > 0 && key.isWritable()) {
                if (!chunk.hasRemaining()) {
                    chunk.clear();
                }
                chunk.limit((int) Math.min(chunk.capacity(), chunk.position() + toSend));
                toSend -= channel.write(chunk);
            }
            if (key.isReadable()) {
                echo.clear();
                int read = channel.read(echo);
                if (read < 0) {
                    throw new EOFException("the server closed with " + toReceive + " bytes still owed");
                }
                toReceive -= read;
            }
        }
        return STREAM_BYTES;
    }

    @TearDown(Level.Trial)
    public void stop() throws IOException {
        selector.close();
        channel.close();
        server.close();
    }
}
