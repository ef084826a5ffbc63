package org.nioecho.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --send-buffer}: the kernel's own view of the server's socket ({@code ss -m}, whose
 * {@code tb} is the socket's send buffer; Linux doubles what {@code SO_SNDBUF} asks for).
 */
class SendBufferTest {
    private static final Pattern SEND_BUFFER = Pattern.compile("\\btb(\\d+)\\b");

    @Test
    @Timeout(30)
    void theSendBufferIsSetOnEveryAcceptedConnection() throws Exception {
        try (EchoServer server = EchoServer.start(ServerConfig.builder().port(0).sendBufferBytes(10_000).build());
             SocketChannel peer = Peers.connect(server.address())) {
            await().atMost(Duration.ofSeconds(10)).until(() -> server.metrics().active() == 1);
            assertEquals(20_000, serverSendBuffer(server.address().getPort(), Peers.localPort(peer)));
        }
    }

    @Test
    @Timeout(30)
    void withoutTheOptionTheKernelSizesIt() throws Exception {
        // readAllLines, not readString: the JDK's readString of a sysctl file returns its first byte only
        String[] wmem = Files.readAllLines(Path.of("/proc/sys/net/ipv4/tcp_wmem")).get(0).trim().split("\\s+");
        try (EchoServer server = EchoServer.start(ServerConfig.builder().port(0).build());
             SocketChannel peer = Peers.connect(server.address())) {
            await().atMost(Duration.ofSeconds(10)).until(() -> server.metrics().active() == 1);
            int sendBuffer = serverSendBuffer(server.address().getPort(), Peers.localPort(peer));
            // At least net.ipv4.tcp_wmem's default (on loopback the kernel starts it at megabytes);
            // SO_SNDBUF 0 would have given the minimum, 4608.
            assertTrue(sendBuffer >= Integer.parseInt(wmem[1]), "the kernel's default send buffer was changed: " + sendBuffer);
        }
    }

    /** The server side's send buffer, from {@code ss -Htnm} (iproute2). */
    private static int serverSendBuffer(int serverPort, int peerPort) throws IOException, InterruptedException {
        Process ss = new ProcessBuilder("ss", "-Htnm", "state", "established",
                "( sport = :" + serverPort + " and dport = :" + peerPort + " )").redirectErrorStream(true).start();
        String out = new String(ss.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(ss.waitFor(10, TimeUnit.SECONDS), "ss did not end");
        Matcher m = SEND_BUFFER.matcher(out);
        assertTrue(m.find(), "no skmem in ss's output: " + out);
        return Integer.parseInt(m.group(1));
    }
}
