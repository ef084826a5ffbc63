package org.nioecho.client.chat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nioecho.client.ClientProcess;
import org.nioecho.client.ExitCodes;
import org.nioecho.client.UdpTestEcho;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nioecho.client.TestSupport.assertOneClearLine;

/** {@code chat --udp} as a real process against a real UDP echo on loopback: one datagram per line, and its exit codes. */
class ChatUdpTest {
    private static final Duration EXIT_WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    @Test
    void eachLineIsOneDatagramAndTheEchoIsTheInput() throws Exception {
        String text = "hello\n\nsecond line\nno newline at the end";
        Path input = Files.writeString(dir.resolve("in.txt"), text);
        Path output = dir.resolve("out.txt");
        try (UdpTestEcho echo = UdpTestEcho.correct();
             ClientProcess client = ClientProcess.start(dir, input.toFile(), output.toFile(),
                     "chat", "--udp", "--port", Integer.toString(echo.address().getPort()))) {
            assertTrue(client.awaitExit(EXIT_WAIT), client.describe());
            assertEquals(ExitCodes.OK, client.exitCode(), client.describe());
            assertEquals(text, Files.readString(output, StandardCharsets.UTF_8));
            assertEquals(4, echo.received(), "four lines, four datagrams");
            assertEquals(0, client.stderrLines().size(), client.describe());
        }
    }

    @Test
    void echoesMissingAfterInputEofTimeOut() throws Exception {
        Path input = Files.writeString(dir.resolve("in.txt"), "1\n2\n3\n4\n");
        try (UdpTestEcho echo = UdpTestEcho.misbehaving(2, 0, 0, 0, 0);
             ClientProcess client = ClientProcess.start(dir, input.toFile(), dir.resolve("out.txt").toFile(),
                     "--udp", "--timeout", "1s", "--port", Integer.toString(echo.address().getPort()))) {
            assertTrue(client.awaitExit(EXIT_WAIT), client.describe());
            assertEquals(ExitCodes.TIMED_OUT, client.exitCode(), client.describe());
            assertOneClearLine(client.stderrLines(), "timed out: 2 of 4 datagrams not echoed within 1 s");
        }
    }

    @Test
    void noEchoOnThePortIsRefused() throws Exception {
        int port;
        try (DatagramChannel probe = DatagramChannel.open()) {
            probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            port = ((InetSocketAddress) probe.getLocalAddress()).getPort();
        }
        Path input = Files.writeString(dir.resolve("in.txt"), "ping\nping\n");
        try (ClientProcess client = ClientProcess.start(dir, input.toFile(), dir.resolve("out.txt").toFile(),
                "--udp", "--port", Integer.toString(port))) {
            assertTrue(client.awaitExit(EXIT_WAIT), client.describe());
            assertEquals(ExitCodes.REFUSED, client.exitCode(), client.describe());
            assertOneClearLine(client.stderrLines(), "no UDP echo at 127.0.0.1:" + port + " (ICMP port unreachable, ECONNREFUSED)");
        }
    }

    @Test
    void aLineTooLongForOneDatagramIsBadInput() throws Exception {
        Path input = Files.writeString(dir.resolve("in.txt"), "short\n" + "x".repeat(70_000) + "\n");
        try (UdpTestEcho echo = UdpTestEcho.correct();
             ClientProcess client = ClientProcess.start(dir, input.toFile(), dir.resolve("out.txt").toFile(),
                     "--udp", "--port", Integer.toString(echo.address().getPort()))) {
            assertTrue(client.awaitExit(EXIT_WAIT), client.describe());
            assertEquals(ExitCodes.USAGE, client.exitCode(), client.describe());
            assertOneClearLine(client.stderrLines(), "line 2 is longer than 65,507 bytes: too long for one datagram");
        }
    }
}
