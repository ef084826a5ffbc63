package org.nioecho.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 8, defect 2: a peer that half-closes and never reads answers the kernel's
 * zero-window probes, so only the server can end it: {@code --write-timeout} closes a
 * connection whose peer takes none of the owed bytes for that long ({@code write.timeout}),
 * and leaves alone a peer that reads, however slowly.
 */
class WriteTimeoutTest {
    private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(1);

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void halfClosedPeerThatNeverReadsIsClosedForWriteTimeout() throws Exception {
        ServerConfig config = ServerConfig.builder().port(0).writeTimeout(WRITE_TIMEOUT).build();
        try (EchoServer server = EchoServer.start(config);
             SocketChannel peer = Peers.connect(server.address())) {
            peer.configureBlocking(false);
            ByteBuffer chunk = ByteBuffer.wrap(Peers.randomBytes(16 * 1024, 91));
            long firstWriteNanos = System.nanoTime();
            // Send, never read, until the server owes bytes; then half-close.
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                do {
                    if (!chunk.hasRemaining()) {
                        chunk.rewind();
                    }
                } while (peer.write(chunk) > 0); // fill the kernel's buffers at once
                return server.metrics().queuedBytes() > 0;
            });
            peer.shutdownOutput();

            await().atMost(Duration.ofSeconds(20)).until(() -> server.metrics().closed(CloseCause.WRITE_TIMEOUT) == 1);
            long elapsedNanos = System.nanoTime() - firstWriteNanos;
            // Owing began after the first write, and no byte was taken since: not closed before the timeout.
            assertTrue(elapsedNanos >= WRITE_TIMEOUT.toNanos(), "closed after " + elapsedNanos + " ns");
            assertEquals(0, server.metrics().active());
            assertEquals(1, server.metrics().closedTotal(), server.metrics().summary());
            assertEquals(0, server.metrics().outputMemoryBytes(), "its output buffer went back");
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void slowButReadingPeerIsNotClosedAndGetsEveryByte() throws Exception {
        ServerConfig config = ServerConfig.builder().port(0).writeTimeout(WRITE_TIMEOUT).build();
        byte[] payload = Peers.randomBytes(8 << 20, 92);
        ScheduledExecutorService pace = Executors.newSingleThreadScheduledExecutor();
        try (EchoServer server = EchoServer.start(config);
             Socket peer = new Socket()) {
            // Small kernel buffers on the peer's side, so that the server soon owes bytes itself.
            peer.setReceiveBufferSize(64 * 1024);
            peer.setSendBufferSize(64 * 1024);
            peer.connect(server.address(), 10_000);
            peer.setSoTimeout(30_000);
            OutputStream out = peer.getOutputStream();
            InputStream in = peer.getInputStream();
            CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
                try {
                    out.write(payload);
                    peer.shutdownOutput();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, runnable -> new Thread(runnable, "slow-peer-writer").start());

            // At most 16 KiB every 100 ms for 8 s: the server owes bytes for stretches longer than the write
            // timeout (each tick checks), and the peer takes some of them all the time.
            byte[] echoed = new byte[payload.length];
            AtomicInteger received = new AtomicInteger();
            AtomicInteger owingRun = new AtomicInteger();
            AtomicInteger longestOwingRun = new AtomicInteger();
            CountDownLatch slowPhase = new CountDownLatch(80);
            pace.scheduleAtFixedRate(() -> {
                if (slowPhase.getCount() == 0) {
                    return;
                }
                if (server.metrics().queuedBytes() > 0) {
                    longestOwingRun.accumulateAndGet(owingRun.incrementAndGet(), Math::max);
                } else {
                    owingRun.set(0);
                }
                try {
                    int n = in.read(echoed, received.get(), Math.min(16 * 1024, payload.length - received.get()));
                    received.addAndGet(Math.max(n, 0));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                } finally {
                    slowPhase.countDown();
                }
            }, 0, 100, TimeUnit.MILLISECONDS);
            assertTrue(slowPhase.await(20, TimeUnit.SECONDS));
            pace.shutdown();
            assertTrue(pace.awaitTermination(10, TimeUnit.SECONDS));
            assertTrue(longestOwingRun.get() >= 11, "the server owed bytes for at most " + longestOwingRun.get()
                    + " slow reads in a row (" + received.get() + " bytes read)");

            int offset = received.get();
            while (offset < payload.length) {
                int n = in.read(echoed, offset, payload.length - offset);
                assertTrue(n > 0, "EOF after " + offset + " bytes");
                offset += n;
            }
            sent.get(30, TimeUnit.SECONDS);
            assertEquals(-1, in.read(), "EOF after the whole echo");
            assertArrayEquals(payload, echoed);
            assertEquals(0, server.metrics().closed(CloseCause.WRITE_TIMEOUT), server.metrics().summary());
        } finally {
            pace.shutdownNow();
        }
    }
}
