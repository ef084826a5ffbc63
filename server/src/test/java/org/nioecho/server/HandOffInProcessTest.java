package org.nioecho.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --reactors 2}: what the first reactor hands to the second when the second cannot
 * serve it. A channel handed to a reactor that is shutting down is closed, counted and gives
 * its slot back; one whose set-up fails (a channel already closed) is counted as an accept
 * error and gives its slot back, on whichever reactor it was to be served.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HandOffInProcessTest {
    private static final Duration BOUND = Duration.ofSeconds(10);

    @Test
    void aConnectionHandedToAReactorThatIsShuttingDownIsClosedCountedAndFreesItsSlot() throws Exception {
        try (EchoServer server = EchoServer.start(ServerConfig.builder().port(0).reactors(2)
                .drainTimeout(Duration.ofSeconds(60)).build())) {
            ReactorGroup group = server.reactors();
            Reactor second = group.reactor(1);
            try (SocketChannel onFirst = Peers.connect(server.address());
                 SocketChannel onSecond = Peers.connect(server.address())) { // in turn: first, second reactor
                for (SocketChannel peer : new SocketChannel[] {onFirst, onSecond}) {
                    Peers.writeFully(peer, new byte[] {3});
                    assertArrayEquals(new byte[] {3}, Peers.readExactly(peer, 1));
                }
                assertEquals(1, second.metrics().active());
                CompletableFuture<Void> begun = new CompletableFuture<>();
                second.execute(() -> {
                    second.beginShutdown();
                    begun.complete(null);
                });
                begun.get(10, TimeUnit.SECONDS);
                assertEquals(-1, Peers.read(onSecond, new byte[1]), "the second reactor drains: FIN");
                // onSecond stays open: the second reactor keeps running, shutting down.
                try (SocketChannel third = Peers.connect(server.address());   // the first reactor
                     SocketChannel fourth = Peers.connect(server.address())) { // handed to the second
                    Peers.writeFully(third, new byte[] {4});
                    assertArrayEquals(new byte[] {4}, Peers.readExactly(third, 1));
                    fourth.socket().setSoTimeout(10_000);
                    assertEquals(-1, Peers.read(fourth, new byte[1]), "a connection handed to a draining reactor is closed");
                    await().atMost(BOUND).until(() -> second.metrics().closed(CloseCause.SHUTDOWN) == 1);
                    assertEquals(2, second.metrics().accepted(), "counted as accepted there");
                    assertEquals(1, second.metrics().active());
                    await().atMost(BOUND).until(() -> group.limit().open() == 3); // the first, second and third peers' slots
                }
            }
        }
    }

    @Test
    void aSetUpFailureGivesTheSlotBackOnTheAcceptingReactorAndOnTheOneHandedTo() throws Exception {
        try (CapturedLog log = new CapturedLog(Acceptor.class);
             EchoServer server = EchoServer.start(ServerConfig.builder().port(0).reactors(2).build());
             ServerSocketChannel listener = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
             SocketChannel peer = Peers.connect((InetSocketAddress) listener.getLocalAddress())) {
            ReactorGroup group = server.reactors();
            Reactor first = group.reactor(0);
            SocketChannel closed = listener.accept();
            closed.close(); // its set-up (non-blocking mode) fails with ClosedChannelException

            // The first adopt serves on the first reactor (its turn): the failure reaches the caller.
            assertInstanceOf(ClosedChannelException.class, adoptOnFirst(first, closed));
            assertEquals(0, group.limit().open(), "the slot is given back");
            // The second is handed to the second reactor, which counts and logs the failure.
            assertNull(adoptOnFirst(first, closed));
            await().atMost(BOUND).until(() -> group.reactor(1).metrics().acceptErrors(AcceptError.OTHER) == 1);
            assertEquals(0, group.limit().open(), "the slot is given back");
            assertEquals(0, server.metrics().accepted());
            assertEquals(java.util.List.of("setting up an accepted connection failed"), log.messages(Level.SEVERE));
            assertInstanceOf(ClosedChannelException.class, log.at(Level.SEVERE).get(0).getThrown());
            assertArrayEquals(new byte[] {6}, Peers.echo(server.address(), new byte[] {6}), "still serving");
        }
    }

    /** Runs the first reactor's adopt of {@code channel} on its thread; the IOException it throws, or null. */
    private static IOException adoptOnFirst(Reactor first, SocketChannel channel) throws Exception {
        CompletableFuture<IOException> thrown = new CompletableFuture<>();
        first.execute(() -> {
            try {
                first.adopt(channel, false);
                thrown.complete(null);
            } catch (IOException e) {
                thrown.complete(e);
            }
        });
        return thrown.get(10, TimeUnit.SECONDS);
    }
}
