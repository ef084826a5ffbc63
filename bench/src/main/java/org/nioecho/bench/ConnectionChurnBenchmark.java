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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

/**
 * Connection churn against the in-process reactor: connect, echo 64 bytes, close (the
 * client closes first, so its side ends in TIME_WAIT, which Linux reuses on loopback).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class ConnectionChurnBenchmark {
    private static final int MESSAGE_BYTES = 64;

    private EchoServer server;
    private InetSocketAddress address;
    private ByteBuffer message;
    private ByteBuffer echo;

    @Setup(Level.Trial)
    public void start() throws IOException {
        server = EchoServer.start(ServerConfig.builder().port(0).build());
        address = server.address();
        message = Payload.random(MESSAGE_BYTES);
        echo = ByteBuffer.allocateDirect(MESSAGE_BYTES);
    }

    @Benchmark
    public int connectEchoClose() throws IOException {
        try (SocketChannel channel = SocketChannel.open(address)) {
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            message.clear();
            while (message.hasRemaining()) {
                channel.write(message);
            }
            echo.clear();
            Payload.readFully(channel, echo);
            return echo.get(MESSAGE_BYTES - 1);
        }
    }

    @TearDown(Level.Trial)
    public void stop() {
        try {
            Payload.requireEqual(message, echo);
        } finally {
            server.close();
        }
    }
}
