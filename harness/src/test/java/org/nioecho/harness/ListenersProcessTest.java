package org.nioecho.harness;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nioecho.server.Peers;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --listen} more than once: one server, an IPv4 and an IPv6 listener, one start line. */
@Timeout(value = 120, unit = java.util.concurrent.TimeUnit.SECONDS)
class ListenersProcessTest {

    @Test
    void twoListenersIpv4AndIpv6OnOneServer() throws Exception {
        try (ServerProcess server = ServerProcess.builder().args("--listen", "127.0.0.1:0", "--listen", "[::1]:0").start()) {
            String line = server.stdout().get(0);
            List<InetSocketAddress> addresses = server.addresses();
            assertEquals(2, addresses.size(), line);
            assertEquals("nioecho server listening on 127.0.0.1:" + addresses.get(0).getPort()
                    + " [::1]:" + addresses.get(1).getPort(), line);
            assertEquals(addresses.get(0), Listening.parse(line).orElseThrow(), "a script reading one address gets the first");
            for (InetSocketAddress address : addresses) {
                assertTrue(Listening.isListening(address.getPort()), "kernel: nothing in LISTEN on " + address);
                byte[] payload = Peers.randomBytes(64 << 10, address.getPort());
                assertArrayEquals(payload, Peers.echo(address, payload), "echo on " + address);
            }
            server.signal("TERM");
            assertEquals(0, server.awaitExit(Duration.ofSeconds(20)), server.lastOutput());
            String summary = server.stdout().get(server.stdout().size() - 1);
            assertTrue(summary.startsWith("nioecho server stopped: 2 connections, "), summary);
        }
    }

    /** The third listener's port is taken: one line naming it, exit 1, and the process is gone (nothing listens). */
    @Test
    void aListenerThatCannotBindFailsTheStart() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int busy = taken.getLocalPort();
            try (ServerProcess server = ServerProcess.command(ProcessHandle.current().info().command().orElse("java"),
                    "-jar", ServerProcess.defaultJar().toString(),
                    "--listen", "127.0.0.1:0", "--listen", "[::1]:0", "--listen", "127.0.0.1:" + busy)
                    .readyWhenListening(busy).start()) { // ready at once: the test's own socket is in LISTEN there
                assertEquals(1, server.awaitExit(Duration.ofSeconds(30)), server.lastOutput());
                List<String> stderr = server.stderr().stream().filter(l -> !l.startsWith("WARNING:")).toList();
                assertEquals(List.of("echo-server: cannot listen on 127.0.0.1:" + busy + ": Address already in use"), stderr);
                assertEquals(List.of(), server.stdout(), "no start line");
            }
        }
    }
}
