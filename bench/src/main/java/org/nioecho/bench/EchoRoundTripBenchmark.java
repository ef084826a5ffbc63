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

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

/**
 * One echo round trip over loopback to the in-process reactor: write a message on one
 * blocking connection, read the same bytes back. Run with
 * {@code java -jar bench/target/benchmarks.jar EchoRoundTrip}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class EchoRoundTripBenchmark {
    @Param({"64", "4096", "65536"})
    public int sizeBytes;

    private EchoServer server;
    private SocketChannel channel;
    private ByteBuffer message;
    private ByteBuffer echo;

    @Setup(Level.Trial)
    public void start() throws IOException {
        server = EchoServer.start(ServerConfig.builder().port(0).build());
        channel = SocketChannel.open(server.address());
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        message = Payload.random(sizeBytes);
        echo = ByteBuffer.allocateDirect(sizeBytes);
    }

    @Benchmark
    public int roundTrip() throws IOException {
        message.clear();
        while (message.hasRemaining()) {
            channel.write(message);
        }
        echo.clear();
        Payload.readFully(channel, echo);
        return echo.get(sizeBytes - 1);
    }

    @TearDown(Level.Trial)
    public void stop() throws IOException {
        try {
            Payload.requireEqual(message, echo);
        } finally {
            channel.close();
            server.close();
        }
    }
}
