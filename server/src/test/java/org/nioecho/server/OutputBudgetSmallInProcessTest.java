package org.nioecho.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The global output budget with a budget of one 4 KiB high-water mark, small enough for
 * mutation testing to run once per mutant ({@link OutputBudgetInProcessTest} is the 64 KiB
 * version): a peer that never reads takes the whole budget, a well-behaved peer waits for
 * it and is served once memory frees, either because the holder reads again or because the
 * pressure write timeout (alone, or shorter than {@code --write-timeout}) closes the holder.
 */
class OutputBudgetSmallInProcessTest {
    /** One size class of output buffer: the first buffer a connection takes is the whole budget. */
    private static final int HIGH_WATER = 4 * 1024;
    private static final Duration BOUND = Duration.ofSeconds(20);
    private static final byte[] FLOOD = Peers.randomBytes(8 << 20, 41);

    private static ServerConfig.Builder oneMarkOfBudget() {
        return ServerConfig.builder().port(0).idleTimeout(Duration.ZERO)
                .highWaterBytes(HIGH_WATER).lowWaterBytes(HIGH_WATER / 4)
                .maxOutputMemoryBytes(HIGH_WATER);
    }


    /** Sends without reading until the server holds the whole budget for the hog; returns what was sent. */
    private static ByteBuffer fillTheBudget(EchoServer server, SocketChannel hog) {
        ByteBuffer toSend = ByteBuffer.wrap(FLOOD);
        await().atMost(BOUND).pollInterval(Duration.ofMillis(2)).until(() -> {
            hog.write(toSend);
            assertTrue(server.metrics().outputMemoryBytes() <= HIGH_WATER, "over the budget");
            return server.metrics().outputMemoryBytes() == HIGH_WATER;
        });
        assertEquals(0, server.metrics().budgetPauses(), "the hog took the first buffer: nobody waited yet");
        return toSend;
    }

    private static CompletableFuture<byte[]> echoLater(EchoServer server, byte[] payload) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return Peers.echo(server.address(), payload);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    @Timeout(60)
    void aWaitingPeerIsServedOnceTheHolderReadsAgain() throws Exception {
        try (EchoServer server = EchoServer.start(oneMarkOfBudget().writeTimeout(Duration.ZERO)
                .pressureWriteTimeout(Duration.ZERO).build());
             SocketChannel hog = Peers.nonReader(server.address())) {
            ByteBuffer sent = fillTheBudget(server, hog);
            byte[] payload = Peers.randomBytes(32 * 1024, 42);
            CompletableFuture<byte[]> echo = echoLater(server, payload);
            await().atMost(BOUND).until(() -> server.metrics().budgetPauses() == 1);
            assertTrue(server.metrics().outputMemoryBytes() <= HIGH_WATER, "over the budget");
            assertEquals(0, server.metrics().closedTotal(), "nobody is closed with the timeouts off");

            // The hog reads everything it was sent: the memory it held frees, the waiting peer is woken.
            hog.setOption(StandardSocketOptions.SO_RCVBUF, 64 * 1024);
            hog.shutdownOutput();
            hog.configureBlocking(true);
            byte[] hogEcho = Peers.readToEof(Peers.bounded(hog));
            assertEquals(sent.position(), hogEcho.length, "the hog's echo");
            assertArrayEquals(Arrays.copyOf(FLOOD, sent.position()), hogEcho);
            assertArrayEquals(payload, echo.get(BOUND.toSeconds(), TimeUnit.SECONDS), "the waiting peer's echo");
            assertEquals(0, server.metrics().closed(CloseCause.WRITE_TIMEOUT));
            await().atMost(BOUND).until(() -> server.metrics().active() == 0);
            assertEquals(0, server.metrics().outputMemoryBytes());
            assertEquals(2, server.metrics().closed(CloseCause.EOF));
        }
    }

    @Test
    @Timeout(60)
    void thePressureTimeoutAloneClosesAStalledHolder() throws Exception {
        stalledHolderIsClosedAndTheWaitingPeerServed(oneMarkOfBudget().writeTimeout(Duration.ZERO)
                .pressureWriteTimeout(Duration.ofMillis(100)).build());
    }

    @Test
    @Timeout(60)
    void underPressureTheShorterOfTheTwoTimeoutsApplies() throws Exception {
        stalledHolderIsClosedAndTheWaitingPeerServed(oneMarkOfBudget().writeTimeout(Duration.ofHours(1))
                .pressureWriteTimeout(Duration.ofMillis(100)).build());
    }

    private static void stalledHolderIsClosedAndTheWaitingPeerServed(ServerConfig config) throws Exception {
        try (EchoServer server = EchoServer.start(config);
             SocketChannel hog = Peers.nonReader(server.address())) {
            fillTheBudget(server, hog);
            byte[] payload = Peers.randomBytes(32 * 1024, 43);
            assertArrayEquals(payload, Peers.echo(server.address(), payload), "the waiting peer's echo");
            assertEquals(1, server.metrics().budgetPauses(), "the peer did not wait for the budget");
            assertEquals(1, server.metrics().closed(CloseCause.WRITE_TIMEOUT), "the stalled holder was closed");
            await().atMost(BOUND).until(() -> server.metrics().closed(CloseCause.EOF) == 1); // the waiting peer, done
            assertEquals(2, server.metrics().closedTotal(), "only the holder and the served peer were closed");
            await().atMost(BOUND).until(() -> server.metrics().outputMemoryBytes() == 0);
            assertEquals(0, server.metrics().paused());
        }
    }
}
