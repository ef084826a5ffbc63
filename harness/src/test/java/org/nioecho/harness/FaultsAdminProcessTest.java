package org.nioecho.harness;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 11: the faults of a running server, over its admin port: {@code GET /faults} lists
 * what {@code --fault} set, {@code PUT} replaces the set all or nothing, {@code DELETE}
 * clears it; a bad {@code --fault} at start-up is bad usage (exit 2, one line).
 */
@Timeout(120)
class FaultsAdminProcessTest {
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();

    @Test
    void getPutDeleteFaultsOnTheAdminPort() throws Exception {
        try (ServerProcess server = ServerProcess.builder()
                .args("--admin-port", "0", "--fault", "reset:after=1KiB", "--fault-seed", "42").start()) {
            String faults = server.adminUrl() + "/faults";
            assertTrue(server.metricsUrl().startsWith(server.adminUrl() + "/metrics"), server.metricsUrl());
            await().atMost(Duration.ofSeconds(10)).until(() -> server.stderr().stream()
                    .anyMatch(l -> l.contains("faults: reset:after=1KiB (--fault-seed 42)"))); // the seed, to repeat a run

            assertResponse(200, "reset:after=1KiB\n", send(faults, "GET", null));

            HttpResponse<String> put = send(faults, "PUT", "# two faults\nlatency:delay=200ms,jitter=50ms\n\n"
                    + "blackhole:probability=0.1\n");
            assertResponse(200, "latency:delay=200ms,jitter=50ms\nblackhole:probability=0.1\n", put);
            assertResponse(200, "latency:delay=200ms,jitter=50ms\nblackhole:probability=0.1\n", send(faults, "GET", null));

            HttpResponse<String> bad = send(faults, "PUT", "reset:after=1KiB\nresett:after=1KiB\n");
            assertEquals(400, bad.statusCode());
            assertEquals("line 2: unknown fault kind 'resett' (use reset, close, limit, stall, blackhole, latency,"
                    + " bandwidth, slice)\n", bad.body(), "one line naming the problem");
            assertResponse(200, "latency:delay=200ms,jitter=50ms\nblackhole:probability=0.1\n", send(faults, "GET", null));

            HttpResponse<String> tooLarge = send(faults, "PUT", "# padding\n".repeat(7000));
            assertEquals(413, tooLarge.statusCode(), tooLarge.body());
            assertResponse(200, "latency:delay=200ms,jitter=50ms\nblackhole:probability=0.1\n", send(faults, "GET", null));

            HttpResponse<String> post = send(faults, "POST", "blackhole\n");
            assertEquals(405, post.statusCode());
            assertEquals("GET, PUT, DELETE", post.headers().firstValue("Allow").orElse("(none)"));
            assertEquals(404, send(server.adminUrl() + "/faults/x", "GET", null).statusCode());

            assertResponse(200, "", send(faults, "DELETE", null));
            assertResponse(200, "", send(faults, "GET", null));

            // the echo server served all along, and /metrics still does
            assertEchoes(server);
            assertEquals(200, send(server.metricsUrl(), "GET", null).statusCode());
            server.signal("TERM");
            assertEquals(0, server.awaitExit(Duration.ofSeconds(30)), server.lastOutput());
        }
    }

    /**
     * Without a Content-Length the body is read up to the bound, not further; a declared length
     * far above it is refused before a byte of the body is read.
     */
    @Test
    void bodiesAboveTheBoundAre413AndChangeNothing() throws Exception {
        try (ServerProcess server = ServerProcess.builder().args("--admin-port", "0", "--fault", "blackhole").start()) {
            URI admin = URI.create(server.adminUrl());
            byte[] body = "# padding\n".repeat(7000).getBytes(StandardCharsets.US_ASCII);
            try (Socket socket = new Socket(admin.getHost(), admin.getPort())) {
                socket.setSoTimeout(10_000);
                OutputStream out = socket.getOutputStream();
                out.write(("PUT /faults HTTP/1.1\r\nHost: " + admin.getAuthority() + "\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + Integer.toHexString(body.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(body);
                out.write("\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                String status = new String(socket.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
                assertEquals("HTTP/1.1 413", status);
            }
            try (Socket socket = new Socket(admin.getHost(), admin.getPort())) {
                socket.setSoTimeout(10_000);
                socket.getOutputStream().write(("PUT /faults HTTP/1.1\r\nHost: " + admin.getAuthority()
                        + "\r\nContent-Length: 100000000\r\n\r\nblackhole\n").getBytes(StandardCharsets.US_ASCII));
                String status = new String(socket.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
                assertEquals("HTTP/1.1 413", status, "answered without waiting for 100 MB");
            }
            assertResponse(200, "blackhole\n", send(server.adminUrl() + "/faults", "GET", null));
        }
    }

    @Test
    void metricsPortIsStillTheSameOptionAndServesFaults() throws Exception {
        try (ServerProcess server = ServerProcess.builder().args("--metrics-port", "0").start()) {
            assertResponse(200, "", send(server.adminUrl() + "/faults", "GET", null));
            assertResponse(200, "slice:size=1..16,delay=10ms\n", send(server.adminUrl() + "/faults", "PUT",
                    "slice:size=1..16,delay=10ms"));
        }
    }

    @Test
    void badFaultAtStartUpIsBadUsageWithOneLine() throws Exception {
        for (List<String> args : List.of(List.of("--fault", "resett:after=1KiB"),
                List.of("--admin-port", "0", "--fault", "reset:after=1KiB", "--fault", "latency"))) {
            List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                    "-jar", ServerProcess.defaultJar().toString(), "--port", "0"));
            command.addAll(args);
            Process process = new ProcessBuilder(command).start();
            try {
                process.getOutputStream().close();
                assertTrue(process.waitFor(30, TimeUnit.SECONDS), "exits at once: " + command);
                String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                String[] err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).split("\n");
                assertEquals(2, process.exitValue(), String.join("\n", err));
                String expected = args.contains("latency")
                        ? "Invalid value for option '--fault': latency needs delay=DURATION (e.g. delay=200ms)"
                        : "Invalid value for option '--fault': unknown fault kind 'resett' (use reset, close, limit,"
                        + " stall, blackhole, latency, bandwidth, slice)";
                assertEquals(expected, err[0]);
                assertTrue(err.length > 1 && err[1].startsWith("Usage: echo-server"), "then the usage: " + err[1]);
                assertEquals("", out, "nothing started");
                assertTrue(Arrays.stream(err).noneMatch(l -> l.contains("Exception") || l.startsWith("\tat ")), "no stack trace");
            } finally {
                process.destroyForcibly();
            }
        }
    }

    private static void assertEchoes(ServerProcess server) throws IOException {
        byte[] payload = "still echoing\n".getBytes(StandardCharsets.US_ASCII);
        try (Socket socket = new Socket(server.address().getAddress(), server.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(payload);
            InputStream in = socket.getInputStream();
            assertArrayEquals(payload, in.readNBytes(payload.length));
        }
    }

    private static void assertResponse(int status, String body, HttpResponse<String> response) {
        assertEquals(status, response.statusCode(), response.body());
        assertEquals(body, response.body());
        assertEquals("text/plain; charset=utf-8", response.headers().firstValue("Content-Type").orElse("(none)"));
    }

    private static HttpResponse<String> send(String url, String method, String body) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                .build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }
}
