package org.nioecho.harness;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nioecho.kernel.TcpState;
import org.nioecho.kernel.TcpTable;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12: {@code /ready} turns 503 as SIGTERM starts the drain, before the drain closes
 * the first connection. The connection here owes the peer its high-water mark (the server
 * paused it) and the peer reads nothing, so the drain cannot close it; the kernel's TCP table shows it still ESTABLISHED (no FIN from
 * the server) while {@code /ready} already answers 503 and {@code /live} still 200. Then
 * the peer reads everything, the server ends it with FIN and exits 0.
 */
@Timeout(120)
class ReadinessDrainProcessTest {
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();

    @Test
    void readyIs503WhileTheDrainStillHoldsAConnectionThatOwesBytes() throws Exception {
        try (ServerProcess server = ServerProcess.builder()
                .args("--admin-port", "0", "--drain-timeout", "60s", "--write-timeout", "0").start()) {
            assertEquals(200, status(server.adminUrl() + "/ready"));
            assertEquals(200, status(server.adminUrl() + "/live"));
            try (SocketChannel peer = SocketChannel.open()) {
                peer.setOption(StandardSocketOptions.SO_RCVBUF, 4096);
                peer.setOption(StandardSocketOptions.SO_SNDBUF, 8192);
                peer.connect(server.address());
                peer.configureBlocking(false);
                int peerPort = ((InetSocketAddress) peer.getLocalAddress()).getPort();
                ByteBuffer chunk = ByteBuffer.allocate(16 * 1024);
                await().atMost(Duration.ofSeconds(30)).until(() -> {
                    int written;
                    int writes = 0;
                    do { // until the kernel takes no more (bounded per poll)
                        chunk.clear();
                        written = peer.write(chunk);
                    } while (written > 0 && ++writes < 1024);
                    return written == 0 && scrape(server).contains("\necho_server_connections_paused 1.0\n");
                });

                server.signal("TERM");
                await().atMost(Duration.ofSeconds(10)).until(() -> status(server.adminUrl() + "/ready") == 503);
                TcpTable.Entry side = serverSide(server.port(), peerPort);
                assertTrue(side != null && side.state() == TcpState.ESTABLISHED && side.sendQueue() > 0,
                        "/ready is 503 while the drain still holds the connection: " + side);
                assertEquals(200, status(server.adminUrl() + "/live"), "draining is not stuck");
                assertTrue(server.isAlive());

                long read = readToEof(peer);
                assertTrue(read >= 64 * 1024, "the owed echo was delivered: " + read + " bytes");
            }
            assertEquals(0, server.awaitExit(Duration.ofSeconds(30)), server.lastOutput());
        }
    }

    /** The server's end of the peer's connection, as the kernel sees it; null if gone. */
    private static TcpTable.Entry serverSide(int serverPort, int peerPort) throws IOException {
        List<TcpTable.Entry> entries = TcpTable.onPort(serverPort);
        return entries.stream()
                .filter(e -> e.local().getPort() == serverPort && e.remote().getPort() == peerPort)
                .findFirst().orElse(null);
    }

    private static long readToEof(SocketChannel peer) throws IOException {
        peer.configureBlocking(true);
        peer.socket().setSoTimeout(20_000); // bounded: the server owes at most its high-water mark
        long total = 0;
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = peer.socket().getInputStream()) {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                total += n;
            }
        }
        return total;
    }

    /** The server's own view: a paused connection owes at least the high-water mark. */
    private static String scrape(ServerProcess server) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(server.metricsUrl())).timeout(Duration.ofSeconds(10)).GET().build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString()).body();
    }

    private static int status(String url) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build();
        return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
