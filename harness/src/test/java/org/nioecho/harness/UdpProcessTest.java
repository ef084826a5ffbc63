package org.nioecho.harness;

import org.junit.jupiter.api.Test;
import org.nioecho.server.Peers;

import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLConnection;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --udp} through the real command line: echo, the meters, the log line, the stop line, a taken UDP port. */
class UdpProcessTest {
    @Test
    void udpEchoIsCountedScrapedLoggedAndSummed() throws Exception {
        try (ServerProcess server = ServerProcess.builder().args("--udp", "--admin-port", "0").start();
             DatagramSocket peer = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            peer.setSoTimeout(10_000);
            long bytes = 0;
            for (int size : new int[] {1, 1472, 65_507}) {
                byte[] payload = Peers.randomBytes(size, size);
                peer.send(new DatagramPacket(payload, size, server.address()));
                DatagramPacket reply = new DatagramPacket(new byte[65_536], 65_536);
                peer.receive(reply);
                assertArrayEquals(payload, Arrays.copyOf(reply.getData(), reply.getLength()), size + " bytes");
                bytes += size;
            }
            String metrics = scrape(server);
            assertEquals(3, metric(metrics, "echo_server_datagrams_received_total"), metrics);
            assertEquals(3, metric(metrics, "echo_server_datagrams_sent_total"));
            assertEquals(bytes, metric(metrics, "echo_server_datagrams_bytes_received_total"));
            assertEquals(bytes, metric(metrics, "echo_server_datagrams_bytes_sent_total"));
            assertEquals(0, metric(metrics, "echo_server_datagrams_dropped_total{reason=\"abuse.port\"}"));
            assertTrue(server.stderr().stream().anyMatch(l -> l.endsWith("INFO UDP echo on " + "127.0.0.1:" + server.port())),
                    server.stderr().toString());

            server.signal("TERM");
            assertEquals(0, server.awaitExit(Duration.ofSeconds(30)), server.lastOutput());
            assertTrue(server.stdout().stream().anyMatch(l -> l.startsWith("nioecho server stopped: 0 connections,")
                    && l.endsWith(", datagrams: 3 in, 3 out, dropped: none")), server.stdout().toString());
        }
    }

    @Test
    void aTakenUdpPortIsOneLineExitCode1AndNothingListens() throws Exception {
        try (DatagramChannel taken = udpPortWhoseTcpPortIsFree()) {
            int port = ((InetSocketAddress) taken.getLocalAddress()).getPort();
            List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                    "-jar", ServerProcess.defaultJar().toString(), "--udp", "--port", Integer.toString(port)));
            Process process = new ProcessBuilder(command).start();
            process.getOutputStream().close();
            CompletableFuture<List<String>> stdout = CompletableFuture.supplyAsync(() -> lines(process.getInputStream()));
            CompletableFuture<List<String>> stderr = CompletableFuture.supplyAsync(() -> lines(process.getErrorStream()));
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("the server did not exit");
            }
            List<String> errors = stderr.get(10, TimeUnit.SECONDS).stream().filter(l -> !l.startsWith("WARNING:")).toList();
            assertEquals(1, process.exitValue(), errors.toString());
            assertEquals(List.of("echo-server: cannot listen on 127.0.0.1:" + port + ": UDP: Address already in use"), errors);
            assertEquals(List.of(), stdout.get(10, TimeUnit.SECONDS), "no start line");
            assertFalse(Listening.isListening(port), "the TCP listener was closed");
        }
    }

    private static long metric(String scrape, String series) {
        for (String line : scrape.split("\n")) {
            if (line.startsWith(series + " ")) {
                return (long) Double.parseDouble(line.substring(series.length() + 1));
            }
        }
        throw new AssertionError("no series " + series);
    }

    /** One GET of the metrics endpoint, bounded by connect and read timeouts. */
    private static String scrape(ServerProcess server) throws IOException {
        URLConnection connection = URI.create(server.metricsUrl()).toURL().openConnection();
        connection.setConnectTimeout(10_000);
        connection.setReadTimeout(10_000);
        try (InputStream in = connection.getInputStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static List<String> lines(InputStream in) {
        try {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return text.isEmpty() ? List.of() : List.of(text.split("\n"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A UDP socket on an ephemeral loopback port whose TCP twin was free a moment ago: an
     * ephemeral port may be a TCP connection's local port too (other tests' clients), and then
     * the server would fail on TCP first.
     */
    private static DatagramChannel udpPortWhoseTcpPortIsFree() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            DatagramChannel taken = DatagramChannel.open();
            taken.bind(new InetSocketAddress("127.0.0.1", 0));
            int port = ((InetSocketAddress) taken.getLocalAddress()).getPort();
            try (java.nio.channels.ServerSocketChannel probe = java.nio.channels.ServerSocketChannel.open()) {
                probe.setOption(java.net.StandardSocketOptions.SO_REUSEADDR, true);
                probe.bind(new InetSocketAddress("127.0.0.1", port));
                return taken;
            } catch (java.net.BindException busy) {
                taken.close();
            }
        }
        throw new IllegalStateException("no loopback port with a free TCP twin in 50 tries");
    }
}
