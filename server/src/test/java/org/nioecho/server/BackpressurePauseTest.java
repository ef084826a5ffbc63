package org.nioecho.server;

import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.nioecho.kernel.TcpTable;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The water marks as documented: a connection owing at least the high-water mark is not
 * read (its input waits in the kernel, the reactor sleeps), and it is read again only once
 * it owes at most the low-water mark.
 */
class BackpressurePauseTest {
    private static final int HIGH_WATER = 64 * 1024;
    private static final int LOW_WATER = 16 * 1024;
    private static final int READ_BUFFER = 4096;

    /** The reactor's counters, read on the reactor thread (so all from the same instant). */
    private record Snapshot(long received, long sent, long queued, int paused, long pauses) {
    }

    private static Snapshot snapshot(EchoServer server) throws InterruptedException {
        Snapshot[] taken = new Snapshot[1];
        CountDownLatch done = new CountDownLatch(1);
        server.reactor().execute(() -> {
            ServerMetrics m = server.metrics();
            taken[0] = new Snapshot(m.bytesReceived, m.bytesSent, m.queuedBytes, m.paused, m.pauses);
            done.countDown();
        });
        assertTrue(done.await(10, TimeUnit.SECONDS), "the reactor did not run a task within 10 s");
        return taken[0];
    }

    private static SocketChannel hog(InetSocketAddress address) throws IOException {
        SocketChannel hog = SocketChannel.open();
        hog.setOption(StandardSocketOptions.SO_RCVBUF, 16 * 1024); // a small window: the server's writes stall soon
        hog.connect(address);
        hog.configureBlocking(false);
        return hog;
    }

    /** The server's own socket for {@code hog}, as the kernel lists it. */
    private static TcpTable.Entry serverSide(EchoServer server, SocketChannel hog) throws IOException {
        int port = server.address().getPort();
        int hogPort = Peers.localPort(hog);
        return TcpTable.read().stream()
                .filter(e -> e.local().getPort() == port && e.remote().getPort() == hogPort)
                .findFirst().orElseThrow(() -> new AssertionError("no server socket for port " + hogPort));
    }

    private static TcpTable.Entry hogSide(EchoServer server, SocketChannel hog) throws IOException {
        int port = server.address().getPort();
        int hogPort = Peers.localPort(hog);
        return TcpTable.read().stream()
                .filter(e -> e.local().getPort() == hogPort && e.remote().getPort() == port)
                .findFirst().orElse(null);
    }

    /**
     * Nanoseconds the reactor thread has spent running or waiting to run, from the kernel's
     * {@code /proc/self/task/TID/schedstat}: a thread blocked in select adds nothing, a
     * spinning one adds the wall time, however loaded the machine is.
     */
    private static long reactorBusyNanos() throws IOException {
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            List<Path> reactors = tasks.filter(t -> comm(t).equals("nioecho-reactor")).toList();
            assertEquals(1, reactors.size(), "reactor threads: " + reactors);
            String[] schedstat = Files.readString(reactors.get(0).resolve("schedstat")).trim().split(" ");
            return Long.parseLong(schedstat[0]) + Long.parseLong(schedstat[1]);
        }
    }

    private static String comm(Path task) {
        try {
            return Files.readString(task.resolve("comm")).trim();
        } catch (IOException e) {
            return ""; // the thread ended meanwhile
        }
    }

    @Test
    void pausedConnectionIsNotReadUntilItOwesAtMostTheLowWaterMark() throws Exception {
        ServerConfig config = ServerConfig.builder().port(0).idleTimeout(Duration.ZERO)
                .lowWaterBytes(LOW_WATER).highWaterBytes(HIGH_WATER).readBufferBytes(READ_BUFFER).build();
        byte[] stream = Peers.randomBytes(16 << 20, 21);
        ByteBuffer toSend = ByteBuffer.wrap(stream);
        try (EchoServer server = EchoServer.start(config);
             SocketChannel hog = hog(server.address())) {
            // Send without reading until the server stops reading this peer.
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                hog.write(toSend);
                return server.metrics().paused() == 1;
            });
            assertTrue(toSend.hasRemaining(), "the server read all " + stream.length + " bytes: it never stopped reading");
            Snapshot paused = snapshot(server);
            assertEquals(1, paused.paused());
            assertTrue(paused.queued() >= HIGH_WATER, "paused while owing only " + paused.queued());

            // Paused means not read: what the peer sends next waits in the server's receive queue
            // (how much depends on the kernel's memory accounting: on a quiet machine the window
            // closed once with 2,021 bytes queued, so any byte waiting is the evidence).
            try {
                await().atMost(Duration.ofSeconds(10))
                        .failFast("the server read while paused", () -> server.metrics().bytesReceived() != paused.received())
                        .until(() -> {
                            hog.write(toSend);
                            return serverSide(server, hog).receiveQueue() > 0;
                        });
            } catch (ConditionTimeoutException e) {
                throw new AssertionError("the server's receive queue did not grow: " + serverSide(server, hog)
                        + ", hog " + hogSide(server, hog) + ", sent " + toSend.position() + ", " + snapshot(server));
            }
            assertEquals(paused.received(), snapshot(server).received(), "a paused connection was read");

            // ... and the reactor sleeps: no turn spent on the readable but paused socket.
            long busyBefore = reactorBusyNanos();
            long wallBefore = System.nanoTime();
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5))
                    .until(() -> server.metrics().bytesReceived() == paused.received());
            long busyMs = TimeUnit.NANOSECONDS.toMillis(reactorBusyNanos() - busyBefore);
            long wallMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - wallBefore);
            assertTrue(busyMs < wallMs / 2, "the reactor spun while the connection was paused: running or runnable "
                    + busyMs + " ms of " + wallMs + " ms");

            // Drain the peer's side step by step, one snapshot per step: the server reads again
            // only after it has resumed, which happens at the low-water mark, never above it.
            List<Snapshot> steps = new ArrayList<>(List.of(paused));
            byte[] echoed = new byte[toSend.position()];
            ByteBuffer in = ByteBuffer.wrap(echoed);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            Snapshot last = paused;
            while (last.received() == paused.received()) {
                assertTrue(System.nanoTime() < deadline, "the server never read again: " + last);
                assertTrue(in.position() < in.capacity(), "all echoed, yet the server did not read again: " + last);
                // Big steps while the kernel's buffers drain (the server still owes the high-water
                // mark), small ones once its own output buffer drains.
                int step = last.queued() >= HIGH_WATER ? 64 * 1024 : 2048;
                in.limit(Math.min(in.capacity(), in.position() + step));
                hog.read(in);
                last = snapshot(server);
                steps.add(last);
            }
            for (int i = 1; i < steps.size(); i++) {
                Snapshot before = steps.get(i - 1);
                Snapshot after = steps.get(i);
                if (after.paused() == 1) {
                    assertTrue(after.queued() > LOW_WATER, "still paused at " + after.queued() + " bytes owed");
                }
                if (before.paused() == 1 && after.paused() == 0) {
                    // At the resume it owed what it had read (nothing more while paused) minus what it
                    // had sent by then, which is at most what it has sent by this snapshot. (It may
                    // have read again at once after resuming, so after.queued() alone does not tell.)
                    long owedAtResumeAtLeast = before.received() - after.sent();
                    assertTrue(owedAtResumeAtLeast <= LOW_WATER, "resumed above the low-water mark (owed at least "
                            + owedAtResumeAtLeast + "): " + before + " then " + after);
                    if (after.received() == before.received()) { // not read yet: it owes no more than at the resume
                        assertTrue(after.queued() <= LOW_WATER, "resumed above the low-water mark: " + after);
                    }
                }
                if (before.paused() == 1 && after.received() > before.received()) {
                    assertTrue(after.paused() == 0 || after.pauses() > before.pauses(),
                            "read while paused: " + before + " then " + after);
                }
            }

            // Everything read is echoed, byte for byte, in order.
            int prefix = in.position();
            in.limit(in.capacity());
            hog.shutdownOutput();
            hog.configureBlocking(true);
            byte[] rest = Peers.readToEof(Peers.bounded(hog)); // each read bounded by SO_TIMEOUT
            assertTrue(rest.length <= in.remaining(), "echoed more than was sent: " + (prefix + rest.length));
            in.put(rest);
            long total = snapshot(server).received();
            assertEquals(total, in.position(), "echoed bytes");
            assertArrayEquals(java.util.Arrays.copyOf(stream, (int) total), java.util.Arrays.copyOf(echoed, (int) total));
        }
    }
}
