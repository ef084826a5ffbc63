package org.nioecho.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nioecho.harness.ServerProcess;
import org.nioecho.kernel.UdpTable;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The UDP client against the real server ({@code echo-server.jar --udp}, a child process):
 * {@code load --udp} in both modes and {@code chat --udp} pass, {@code states} lists the
 * server's UDP socket, and the server's own datagram counts equal what the client sent.
 */
class UdpEndToEndTest {
    private static final Pattern DATAGRAMS = Pattern.compile("datagrams: (\\d+) in, (\\d+) out");

    @TempDir
    Path dir;

    @Test
    void loadChatAndStatesAgainstTheRealServer() throws Exception {
        try (ServerProcess server = ServerProcess.builder().jvmOptions("-Xmx64m").args("--udp").start()) {
            String port = Integer.toString(server.port());
            long sent = 0;
            for (String mode : new String[] {"pingpong", "rate"}) {
                StringWriter out = new StringWriter();
                StringWriter err = new StringWriter();
                int code = EchoClientCommand.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
                        // rate: 4 x 100/s of 200 bytes, so even the burst after a descheduled second
                        // fits the server socket's default receive buffer (208 KiB)
                        .execute("load", "--udp", "--port", port, "--mode", mode, "--rate", "100", "--connections", "4",
                                "--size", "200", "--duration", "1s", "--quiet", "--json", "-");
                JsonNode d = new ObjectMapper().readTree(out.toString()).get("datagrams");
                assertEquals(ExitCodes.OK, code, err + "\nthe server's socket: " + UdpTable.onPort(server.port()));
                assertTrue(d.get("sent").asLong() > 100, err.toString());
                assertEquals(d.get("sent").asLong(), d.get("received").asLong(), err.toString());
                assertEquals(0, d.get("corrupt").asLong() + d.get("duplicated").asLong(), err.toString());
                sent += d.get("sent").asLong();
            }

            String text = "one\ntwo\nthree\n";
            Path input = Files.writeString(dir.resolve("in.txt"), text);
            Path output = dir.resolve("out.txt");
            try (ClientProcess chat = ClientProcess.start(dir, input.toFile(), output.toFile(), "chat", "--udp", "--port", port)) {
                assertTrue(chat.awaitExit(Duration.ofSeconds(20)), chat.describe());
                assertEquals(ExitCodes.OK, chat.exitCode(), chat.describe());
            }
            assertEquals(text, Files.readString(output, StandardCharsets.UTF_8));
            sent += 3;

            StringWriter states = new StringWriter();
            assertEquals(0, EchoClientCommand.commandLine().setOut(new PrintWriter(states)).execute("states", "--port", port));
            assertTrue(states.toString().lines().anyMatch(l -> l.matches("UNCONN\\s+\\d+\\s+\\d+\\s+127\\.0\\.0\\.1:" + port + "\\s+\\*:\\*\\s+\\d+")),
                    states.toString());

            server.signal("TERM");
            assertEquals(0, server.awaitExit(Duration.ofSeconds(20)), "server exit; stderr: " + server.stderr());
            String summary = String.join("\n", server.stdout());
            Matcher m = DATAGRAMS.matcher(summary);
            assertTrue(m.find(), summary);
            assertEquals(sent, Long.parseLong(m.group(1)), "the server's datagrams in vs the client's sent\n" + summary);
            assertEquals(sent, Long.parseLong(m.group(2)), "the server's datagrams out\n" + summary);
        }
    }
}
