package org.nioecho.client.states;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.nioecho.client.EchoClientCommand;
import org.nioecho.harness.ServerProcess;
import org.nioecho.kernel.TcpState;
import org.nioecho.kernel.TcpTable;
import org.nioecho.kernel.UdpTable;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code states}: the kernel's own view of a live pair, of the side that closed first, and of UDP sockets. */
class StatesCommandTest {
    @Test
    void showsListenAndEstablishedForALivePairAndTimeWaitOnTheSideThatClosedFirst() throws Exception {
        try (ServerProcess server = ServerProcess.builder().start()) {
            int port = server.port();
            int clientPort;
            try (Socket socket = new Socket(server.address().getAddress(), port)) {
                clientPort = socket.getLocalPort();
                socket.getOutputStream().write('x');
                assertEquals('x', socket.getInputStream().read());

                List<String> live = states("--port", Integer.toString(port));
                assertTrue(hasRow(live, "LISTEN", "127.0.0.1:" + port), String.join("\n", live));
                assertTrue(hasRow(live, "ESTABLISHED", "127.0.0.1:" + port, "127.0.0.1:" + clientPort), String.join("\n", live));
                assertTrue(hasRow(live, "ESTABLISHED", "127.0.0.1:" + clientPort, "127.0.0.1:" + port), String.join("\n", live));
            }
            // The client closed first: it ends in TIME_WAIT, the server side goes away.
            int closer = clientPort;
            await().atMost(Duration.ofSeconds(10)).until(() -> TcpTable.onPort(port).stream()
                    .anyMatch(e -> e.local().getPort() == closer && e.state() == TcpState.TIME_WAIT));
            await().atMost(Duration.ofSeconds(10)).until(() -> TcpTable.onPort(port).stream()
                    .noneMatch(e -> e.local().getPort() == port && e.remote().getPort() == closer));

            List<String> after = states("--port", Integer.toString(port));
            assertTrue(hasRow(after, "TIME_WAIT", "127.0.0.1:" + clientPort, "127.0.0.1:" + port), String.join("\n", after));
            assertTrue(!hasRow(after, "TIME_WAIT", "127.0.0.1:" + port, "127.0.0.1:" + clientPort),
                    "the server side must not be in TIME_WAIT:\n" + String.join("\n", after));
            assertTrue(hasRow(after, "LISTEN", "127.0.0.1:" + port), String.join("\n", after));
        }
    }

    /** UDP sockets on the port: the bound one (UNCONN, its unread datagram queued) and a connected one (ESTAB). */
    @Test
    void listsUdpSocketsOnThePortInTextAndJson() throws Exception {
        try (DatagramChannel bound = DatagramChannel.open(StandardProtocolFamily.INET);
             DatagramChannel connected = DatagramChannel.open(StandardProtocolFamily.INET)) {
            bound.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int port = ((InetSocketAddress) bound.getLocalAddress()).getPort();
            connected.connect(bound.getLocalAddress());
            connected.write(ByteBuffer.wrap(new byte[100]));
            int clientPort = ((InetSocketAddress) connected.getLocalAddress()).getPort();

            List<String> text = states("--port", Integer.toString(port));
            assertTrue(text.stream().anyMatch(l -> l.startsWith("UDP ")), String.join("\n", text));
            assertTrue(hasRow(text, "UNCONN", "127.0.0.1:" + port, "*:*"), String.join("\n", text));
            assertTrue(hasRow(text, "ESTAB", "127.0.0.1:" + clientPort, "127.0.0.1:" + port), String.join("\n", text));
            String unconn = text.stream().filter(l -> l.startsWith("UNCONN")).findFirst().orElseThrow();
            assertTrue(Long.parseLong(unconn.trim().split("\\s+")[1]) > 0, "the unread datagram is in Recv-Q: " + unconn);

            List<String> json = states("--port", Integer.toString(port), "--json");
            assertEquals(1, json.size(), String.join("\n", json));
            JsonNode root = new ObjectMapper().readTree(json.get(0));
            assertEquals(port, root.get("port").asInt());
            assertTrue(root.get("tcp").isArray(), json.get(0)); // other sockets may use the number over TCP
            assertEquals(2, root.get("udp").size(), json.get(0));
            JsonNode first = root.get("udp").get(0).get("state").asText().equals("UNCONN")
                    ? root.get("udp").get(0) : root.get("udp").get(1);
            assertEquals("127.0.0.1:" + port, first.get("local").asText());
            assertEquals("*:*", first.get("remote").asText());
            assertTrue(first.get("recvQ").asLong() > 0, json.get(0));
            assertEquals(0, first.get("drops").asLong(), json.get(0));
        }
    }

    /** No UDP socket on the port: no UDP section, so the TCP table reads as it always did. */
    @Test
    void noUdpSectionWithoutUdpSockets() {
        List<String> lines = states("--port", "1");
        assertTrue(lines.stream().noneMatch(l -> l.startsWith("UDP")), String.join("\n", lines));
    }

    /** IPv6 rows read as the server's start line writes the address: compressed, in brackets. */
    @Test
    void ipv6AddressesAreWrittenShort() throws Exception {
        InetSocketAddress server = new InetSocketAddress(InetAddress.getByName("::1"), 9877);
        InetSocketAddress client = new InetSocketAddress(InetAddress.getByName("::1"), 40000);
        String text = StatesCommand.formatUdp(List.of(new UdpTable.Entry(server, new InetSocketAddress(InetAddress.getByName("::"), 0),
                false, 0, 0, 1, 0), new UdpTable.Entry(client, server, true, 0, 0, 2, 0)), 9877);
        assertTrue(text.contains("UNCONN             0       0  [::1]:9877             *:*                    0"), text);
        assertTrue(text.contains("ESTAB              0       0  [::1]:40000            [::1]:9877             0"), text);
    }

    @Test
    void watchPrintsAStampedTableEachInterval() {
        List<String> lines = states("--port", "1", "--watch", "--interval", "20ms", "--count", "3");
        assertEquals(3, lines.stream().filter(l -> l.startsWith("-- ")).count(), String.join("\n", lines));
        assertEquals(3, lines.stream().filter(l -> l.startsWith("State")).count(), String.join("\n", lines));
    }

    @Test
    void badPortIsUsageError() {
        StringWriter err = new StringWriter();
        int code = EchoClientCommand.commandLine().setErr(new PrintWriter(err)).execute("states", "--port", "70000");
        assertEquals(2, code);
        assertTrue(err.toString().startsWith("Invalid value for option '--port'"), err.toString());
    }

    private static List<String> states(String... args) {
        StringWriter out = new StringWriter();
        CommandLine command = EchoClientCommand.commandLine().setOut(new PrintWriter(out));
        String[] all = new String[args.length + 1];
        all[0] = "states";
        System.arraycopy(args, 0, all, 1, args.length);
        assertEquals(0, command.execute(all));
        return Arrays.asList(out.toString().split("\n"));
    }

    /** A row whose state is {@code state} and whose columns include all of {@code addresses}, in order. */
    private static boolean hasRow(List<String> lines, String state, String... addresses) {
        return lines.stream().anyMatch(line -> {
            List<String> columns = Arrays.asList(line.trim().split("\\s+"));
            if (!columns.get(0).equals(state)) {
                return false;
            }
            int at = 3;
            for (String address : addresses) {
                if (at >= columns.size() || !columns.get(at).equals(address)) {
                    return false;
                }
                at++;
            }
            return true;
        });
    }
}
