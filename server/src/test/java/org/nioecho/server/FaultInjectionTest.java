package org.nioecho.server;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nioecho.kernel.TcpTable;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 11: each fault, as a client on a real socket sees it: exact byte counts where the
 * fault makes them exact, timings only as lower bounds that follow from the fault itself.
 */
class FaultInjectionTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    static FaultSpec afterBytes(FaultKind kind, long bytes) {
        return new FaultSpec(kind, bytes, -1, 0, 0, 0, 0, 0, 0, 1, kind.tag() + ":after=" + bytes);
    }

    static FaultSpec afterTime(FaultKind kind, Duration after) {
        return new FaultSpec(kind, -1, after.toNanos(), 0, 0, 0, 0, 0, 0, 1, kind.tag() + ":after=" + after.toMillis() + "ms");
    }

    static FaultSpec limit(long bytes) {
        return new FaultSpec(FaultKind.LIMIT, 0, 0, bytes, 0, 0, 0, 0, 0, 1, "limit:bytes=" + bytes);
    }

    static FaultSpec blackhole() {
        return new FaultSpec(FaultKind.BLACKHOLE, 0, 0, 0, 0, 0, 0, 0, 0, 1, "blackhole");
    }

    static FaultSpec latency(Duration delay, Duration jitter) {
        return new FaultSpec(FaultKind.LATENCY, 0, 0, 0, delay.toNanos(), jitter.toNanos(), 0, 0, 0, 1,
                "latency:delay=" + delay.toMillis() + "ms,jitter=" + jitter.toMillis() + "ms");
    }

    static FaultSpec bandwidth(long bytesPerSecond) {
        return new FaultSpec(FaultKind.BANDWIDTH, 0, 0, 0, 0, 0, bytesPerSecond, 0, 0, 1, "bandwidth:rate=" + bytesPerSecond);
    }

    static FaultSpec slice(int min, int max, Duration delay) {
        return new FaultSpec(FaultKind.SLICE, 0, 0, 0, delay.toNanos(), 0, 0, min, max, 1,
                "slice:size=" + min + ".." + max + ",delay=" + delay.toMillis() + "ms");
    }

    private static EchoServer start(FaultSpec... faults) throws IOException {
        return EchoServer.start(ServerConfig.builder().port(0).faults(List.of(faults)).faultSeed(11).build());
    }

    private static Socket connect(InetSocketAddress address, int soTimeoutMs) throws IOException {
        Socket socket = new Socket();
        socket.connect(address, 5_000);
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(soTimeoutMs);
        return socket;
    }

    /** Reads until EOF or a failure; what came, and the failure (null at EOF). */
    private record Received(byte[] bytes, IOException failure) {
    }

    private static Received readUntilEnd(InputStream in) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] chunk = new byte[8192];
        try {
            for (int n; (n = in.read(chunk)) >= 0; ) {
                all.write(chunk, 0, n);
            }
            return new Received(all.toByteArray(), null);
        } catch (IOException e) {
            return new Received(all.toByteArray(), e);
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void resetAfterBytesDeliversExactlyThoseBytesThenResetThenBrokenPipe() throws Exception {
        byte[] payload = Peers.randomBytes(4096, 1);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ServerConfig config = ServerConfig.builder().port(0).faults(List.of(afterBytes(FaultKind.RESET, 1024))).build();
        try (EchoServer server = EchoServer.start(config, registry);
             Socket peer = connect(server.address(), 10_000)) {
            peer.getOutputStream().write(payload);
            Received received = readUntilEnd(peer.getInputStream());
            assertArrayEquals(Arrays.copyOf(payload, 1024), received.bytes(), "exactly the first 1 KiB");
            assertTrue(received.failure() != null && received.failure().getMessage().contains("reset"),
                    "then a reset: " + received.failure());
            IOException write = assertThrows(IOException.class, () -> peer.getOutputStream().write(1));
            assertTrue(write.getMessage().contains("Broken pipe") || write.getMessage().contains("reset"), write.getMessage());
            await().atMost(Duration.ofSeconds(5)).until(() -> server.metrics().closed(CloseCause.FAULT) == 1);
            assertEquals(1, server.metrics().faultsInjected(FaultKind.RESET));
            assertEquals(0, server.metrics().closed(CloseCause.ERROR));
            assertEquals(1.0, registry.get("echo.server.faults.injected").tag("kind", "reset").functionCounter().count());
            assertEquals(0.0, registry.get("echo.server.faults.injected").tag("kind", "close").functionCounter().count());
            assertEquals(1.0, registry.get("echo.server.connections.closed").tag("cause", "fault").functionCounter().count());
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void resetAfterZeroBytesResetsAtOnce() throws Exception {
        try (EchoServer server = start(afterBytes(FaultKind.RESET, 0))) {
            Socket peer;
            try {
                peer = connect(server.address(), 10_000);
            } catch (SocketException e) {
                // The RST can arrive while connect() still waits for its own completion
                assertTrue(e.getMessage().contains("reset"), e.toString());
                return;
            }
            try (peer) {
                Received received = readUntilEnd(peer.getInputStream());
                assertEquals(0, received.bytes().length);
                assertTrue(received.failure() != null && received.failure().getMessage().contains("reset"), "" + received.failure());
            }
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void resetAfterTimeComesNoEarlierThanThatTime() throws Exception {
        try (EchoServer server = start(afterTime(FaultKind.RESET, Duration.ofMillis(300)));
             Socket peer = connect(server.address(), 10_000)) {
            long start = System.nanoTime();
            peer.getOutputStream().write(new byte[100]);
            Received received = readUntilEnd(peer.getInputStream());
            long elapsed = System.nanoTime() - start;
            assertEquals(100, received.bytes().length, "echoed until then");
            assertTrue(received.failure() != null && received.failure().getMessage().contains("reset"), "" + received.failure());
            assertTrue(elapsed >= 300 * MS, "reset after " + elapsed / MS + " ms");
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void closeAfterBytesGivesEofAfterExactlyThoseBytesAndTheNextWriteDrawsReset() throws Exception {
        byte[] payload = Peers.randomBytes(3000, 2);
        try (EchoServer server = start(afterBytes(FaultKind.CLOSE, 1000));
             Socket peer = connect(server.address(), 10_000)) {
            OutputStream out = peer.getOutputStream();
            out.write(payload); // more than the fault lets through: the rest stays unread
            Received received = readUntilEnd(peer.getInputStream());
            assertEquals(null, received.failure(), "a FIN, not a reset");
            assertArrayEquals(Arrays.copyOf(payload, 1000), received.bytes(), "EOF after exactly 1000 bytes");
            out.write(1); // accepted by the kernel: the server's closed socket answers with RST
            // The RST arrives a moment later; a following write fails with EPIPE.
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10)).until(() -> {
                try {
                    out.write(1);
                    return false;
                } catch (IOException e) {
                    return e.getMessage().contains("Broken pipe") || e.getMessage().contains("reset");
                }
            });
            await().atMost(Duration.ofSeconds(5)).until(() -> server.metrics().closed(CloseCause.FAULT) == 1);
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void limitEchoesExactlyThoseBytesThenClosesCleanly() throws Exception {
        byte[] payload = Peers.randomBytes(300, 3);
        try (EchoServer server = start(limit(100));
             Socket peer = connect(server.address(), 10_000)) {
            OutputStream out = peer.getOutputStream();
            out.write(payload);
            Received received = readUntilEnd(peer.getInputStream());
            assertEquals(null, received.failure(), "a FIN, not a reset");
            assertArrayEquals(Arrays.copyOf(payload, 100), received.bytes(), "EOF after exactly 100 bytes");
            out.write(new byte[1000]); // a clean close: the server still takes (and drops) input
            peer.shutdownOutput();
            await().atMost(Duration.ofSeconds(5)).until(() -> server.metrics().closed(CloseCause.FAULT) == 1);
            assertEquals(1, server.metrics().faultsInjected(FaultKind.LIMIT));
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void stallFillsTheWindowKeepsTheConnectionAndDoesNotSlowItsNeighbours() throws Exception {
        // A short drain timeout: the stall holds its output until the drain gives up (the default 5 s
        // made this the slowest test for mutation testing, which runs it for every mutant it covers).
        ServerConfig config = ServerConfig.builder().port(0).writeTimeout(Duration.ofMillis(500))
                .drainTimeout(Duration.ofMillis(500)).faults(List.of(afterBytes(FaultKind.STALL, 1000))).build();
        try (EchoServer server = EchoServer.start(config);
             SocketChannel stalled = Peers.connect(server.address())) {
            Peers.writeFully(stalled, Peers.randomBytes(1000, 4));
            assertEquals(1000, Peers.readExactly(stalled, 1000).length, "echoed up to the stall");
            stalled.configureBlocking(false);
            ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(10)).until(() -> {
                for (int i = 0; i < 64; i++) { // megabytes to fill: many writes per poll
                    chunk.clear();
                    if (stalled.write(chunk) == 0) {
                        return true; // the server's window is closed
                    }
                }
                return false;
            });
            int serverPort = server.address().getPort();
            int clientPort = Peers.localPort(stalled);
            TcpTable.Entry serverSide = TcpTable.read().stream()
                    .filter(e -> e.local().getPort() == serverPort && e.remote().getPort() == clientPort)
                    .findFirst().orElseThrow();
            assertTrue(serverSide.receiveQueue() > 0, "the server holds unread input: " + serverSide);
            // The client's kernel probes the zero window (timer 4: what `states` shows as probe).
            await().atMost(Duration.ofSeconds(10)).until(() -> TcpTable.read().stream()
                    .anyMatch(e -> e.local().getPort() == clientPort && e.remote().getPort() == serverPort && e.timer() == 4));

            // A neighbour without the fault echoes 1 MiB meanwhile.
            server.faultPlan().replace(List.of());
            byte[] payload = Peers.randomBytes(1 << 20, 5);
            assertArrayEquals(payload, Peers.echo(server.address(), payload));

            // Neither the write timeout nor anything else ends the stall.
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(10))
                    .until(() -> server.metrics().active() == 1 && server.metrics().closedTotal() == 1);
            assertEquals(0, server.metrics().closed(CloseCause.WRITE_TIMEOUT));

            // The drain still ends it.
            server.shutdown();
            assertTrue(server.awaitTermination(config.drainTimeout().plusSeconds(5)), "shutdown ended the stall");
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void blackholeReadsEverythingAndEchoesNothing() throws Exception {
        try (EchoServer server = start(blackhole());
             Socket peer = connect(server.address(), 500)) {
            peer.getOutputStream().write(new byte[10_000]);
            await().atMost(Duration.ofSeconds(5)).until(() -> server.metrics().bytesReceived() == 10_000);
            assertThrows(SocketTimeoutException.class, () -> peer.getInputStream().read(), "nothing comes back");
            assertEquals(0, server.metrics().bytesSent());
            assertEquals(1, server.metrics().faultsInjected(FaultKind.BLACKHOLE));
            // Not even the FIN is answered: no EOF comes back, the connection stays.
            peer.shutdownOutput();
            assertThrows(SocketTimeoutException.class, () -> peer.getInputStream().read(), "no EOF either");
            assertEquals(1, server.metrics().active());
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void latencyHoldsEachEchoAtLeastTheDelayMinusJitterInOrder() throws Exception {
        Duration delay = Duration.ofMillis(200);
        Duration jitter = Duration.ofMillis(50);
        try (EchoServer server = start(latency(delay, jitter));
             Socket peer = connect(server.address(), 10_000)) {
            OutputStream out = peer.getOutputStream();
            InputStream in = peer.getInputStream();
            for (int round = 0; round < 3; round++) {
                byte[] message = Peers.randomBytes(100, 10 + round);
                long sent = System.nanoTime();
                out.write(message);
                byte[] echo = in.readNBytes(100);
                long elapsed = System.nanoTime() - sent;
                assertArrayEquals(message, echo);
                assertTrue(elapsed >= delay.minus(jitter).toNanos(), "echo after " + elapsed / MS + " ms");
            }
            // Several messages back to back come back in order, none before delay - jitter.
            byte[] burst = Peers.randomBytes(5000, 20);
            long sent = System.nanoTime();
            for (int i = 0; i < 50; i++) {
                out.write(burst, i * 100, 100);
            }
            byte[] first = in.readNBytes(1);
            long elapsed = System.nanoTime() - sent;
            byte[] rest = in.readNBytes(4999);
            assertTrue(elapsed >= delay.minus(jitter).toNanos(), "first byte after " + elapsed / MS + " ms");
            byte[] all = new byte[5000];
            all[0] = first[0];
            System.arraycopy(rest, 0, all, 1, 4999);
            assertArrayEquals(burst, all, "in order, nothing lost");
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void bytesHeldByAFaultDoNotCountAgainstTheWriteTimeout() throws Exception {
        ServerConfig config = ServerConfig.builder().port(0).writeTimeout(Duration.ofMillis(200))
                .faults(List.of(latency(Duration.ofSeconds(1), Duration.ZERO))).build();
        try (EchoServer server = EchoServer.start(config);
             Socket peer = connect(server.address(), 10_000)) {
            byte[] message = Peers.randomBytes(1000, 30);
            peer.getOutputStream().write(message);
            assertArrayEquals(message, peer.getInputStream().readNBytes(1000), "held 1 s, five write timeouts, then echoed");
            assertEquals(0, server.metrics().closed(CloseCause.WRITE_TIMEOUT));
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void bandwidthNeverExceedsRatePlusBurst() throws Exception {
        long rate = 64 * 1024;
        long burst = Math.max(rate / 10, ConnectionFaults.MIN_BURST_BYTES);
        byte[] payload = Peers.randomBytes(160 * 1024, 6);
        try (EchoServer server = start(bandwidth(rate));
             Socket peer = connect(server.address(), 10_000)) {
            long start = System.nanoTime(); // before the first byte is read: the bucket started earlier still
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    peer.getOutputStream().write(payload);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            InputStream in = peer.getInputStream();
            ByteArrayOutputStream echoed = new ByteArrayOutputStream();
            byte[] chunk = new byte[8192];
            long maxExcess = Long.MIN_VALUE;
            while (echoed.size() < payload.length) {
                int n = in.read(chunk);
                assertTrue(n > 0, "EOF after " + echoed.size());
                echoed.write(chunk, 0, n);
                long elapsed = System.nanoTime() - start;
                long allowed = burst + rate * elapsed / TimeUnit.SECONDS.toNanos(1);
                maxExcess = Math.max(maxExcess, echoed.size() - allowed);
            }
            writer.get(10, TimeUnit.SECONDS);
            assertArrayEquals(payload, echoed.toByteArray());
            assertTrue(maxExcess <= 0, "above rate + burst by " + maxExcess + " bytes");
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void sliceEchoesInSmallPiecesAPartAndKeepsEveryByte() throws Exception {
        Duration delay = Duration.ofMillis(20);
        try (EchoServer server = start(slice(1, 16, delay));
             Socket peer = connect(server.address(), 10_000)) {
            byte[] payload = Peers.randomBytes(200, 7);
            long sent = System.nanoTime();
            peer.getOutputStream().write(payload);
            byte[] echo = peer.getInputStream().readNBytes(200);
            long elapsed = System.nanoTime() - sent;
            assertArrayEquals(payload, echo);
            // At most 16 bytes a piece: at least 13 pieces, 12 delays between them.
            assertTrue(elapsed >= 12 * delay.toNanos(), "200 bytes in " + elapsed / MS + " ms");
        }
    }

    /** Closed connections' timers do not pile up: 2500 connections with a 1 h timed reset, each closed at once. */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void timersOfClosedConnectionsArePurged() throws Exception {
        try (EchoServer server = start(afterTime(FaultKind.RESET, Duration.ofHours(1)))) {
            for (int i = 0; i < 2500; i++) {
                try (Socket peer = connect(server.address(), 10_000)) {
                    peer.shutdownOutput();
                    assertEquals(-1, peer.getInputStream().read());
                }
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> server.metrics().active() == 0);
            CompletableFuture<Integer> size = new CompletableFuture<>();
            server.reactor().execute(() -> size.complete(server.reactor().timers().size()));
            assertTrue(size.get(10, TimeUnit.SECONDS) <= 1100, "timer entries left: " + size.get());
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void hundredConnectionsHoldingOneSecondLatencyKeepOutputMemoryBoundedAndGetEveryByte() throws Exception {
        int peers = 100;
        int highWater = 64 * 1024;
        long budget = 2L << 20;
        ServerConfig config = ServerConfig.builder().port(0).highWaterBytes(highWater).lowWaterBytes(highWater / 2)
                .maxOutputMemoryBytes(budget).faults(List.of(latency(Duration.ofSeconds(1), Duration.ZERO))).build();
        ExecutorService pool = Executors.newFixedThreadPool(peers);
        AtomicBoolean sampling = new AtomicBoolean(true);
        AtomicLong maxMemory = new AtomicLong();
        try (EchoServer server = EchoServer.start(config)) {
            Thread sampler = new Thread(() -> {
                while (sampling.get()) {
                    maxMemory.accumulateAndGet(server.metrics().outputMemoryBytes(), Math::max);
                    Thread.onSpinWait();
                }
            }, "memory-sampler");
            sampler.setDaemon(true);
            sampler.start();
            List<CompletableFuture<Boolean>> echoes = new ArrayList<>();
            for (int i = 0; i < peers; i++) {
                byte[] payload = Peers.randomBytes(64 * 1024, 100 + i);
                echoes.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return Arrays.equals(payload, Peers.echo(server.address(), payload));
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, pool));
            }
            for (CompletableFuture<Boolean> echo : echoes) {
                assertTrue(echo.get(90, TimeUnit.SECONDS), "every echo arrives whole");
            }
            sampling.set(false);
            sampler.join(5_000);
            assertTrue(maxMemory.get() <= budget, "output memory " + maxMemory.get() + " above the budget " + budget);
            assertTrue(maxMemory.get() <= (long) peers * highWater);
            assertEquals(peers, server.metrics().faultsInjected(FaultKind.LATENCY));
        } finally {
            sampling.set(false);
            pool.shutdownNow();
        }
    }
}
