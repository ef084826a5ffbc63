package org.nioecho.server;

import org.junit.jupiter.api.Test;

import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The notes' waitpid loop: many peers end at once, one wake-up, every one is reaped. */
class ManyClosesTest {
    private static final int PEERS = 1000;
    private static final int CLOSERS = 8;

    @Test
    void reapsAThousandPeersClosingInTheSameInstant() throws Exception {
        try (EchoServer server = EchoServer.start(ServerConfig.builder().port(0).build())) {
            int port = server.address().getPort();
            // One peer first, used and closed as the others will be: the JDK opens a descriptor of
            // its own the first time (lazily), which must not count against the baseline.
            try (SocketChannel warmUp = Peers.connect(server.address())) {
                Peers.writeFully(warmUp, new byte[] {1});
                Peers.readExactly(warmUp, 1);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> server.metrics().closed(CloseCause.EOF) == 1);
            long baseline = Peers.openDescriptors();
            List<SocketChannel> peers = new ArrayList<>();
            Set<Integer> peerPorts = new HashSet<>();
            for (int i = 0; i < PEERS; i++) {
                SocketChannel peer = Peers.connect(server.address());
                peers.add(peer);
                peerPorts.add(Peers.localPort(peer));
                Peers.writeFully(peer, new byte[] {(byte) i});
                Peers.readExactly(peer, 1);
            }
            assertEquals(PEERS, server.metrics().active());

            CountDownLatch go = new CountDownLatch(1);
            ExecutorService closers = Executors.newFixedThreadPool(CLOSERS);
            for (int t = 0; t < CLOSERS; t++) {
                List<SocketChannel> share = peers.subList(t * PEERS / CLOSERS, (t + 1) * PEERS / CLOSERS);
                closers.submit(() -> {
                    assertTrue(go.await(30, TimeUnit.SECONDS), "start signal");
                    for (SocketChannel peer : share) {
                        peer.close();
                    }
                    return null;
                });
            }
            go.countDown();
            closers.shutdown();
            assertTrue(closers.awaitTermination(30, TimeUnit.SECONDS));

            await().atMost(Duration.ofSeconds(20)).until(() -> server.metrics().closed(CloseCause.EOF) == PEERS + 1);
            assertEquals(0, server.metrics().active());
            assertEquals(PEERS + 1, server.metrics().closedTotal());
            // Nothing left behind: descriptors back to the baseline, no server socket in CLOSE_WAIT.
            await().atMost(Duration.ofSeconds(10)).until(() -> Peers.openDescriptors() <= baseline);
            await().atMost(Duration.ofSeconds(10)).until(() -> Peers.serverSideStates(port, peerPorts).isEmpty());
        }
    }
}
