package org.nioecho.server;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code /live} and {@code /ready} over HTTP, in this JVM: an idle reactor stays live past
 * the timeout (the idle beat), a reactor blocked in a task goes 503 and comes back once
 * released, and a shutdown turns {@code /ready} to 503.
 */
class HealthEndpointInProcessTest {
    private static final Duration LIVE_TIMEOUT = Duration.ofMillis(600);

    @Test
    void liveFollowsTheReactorsHeartbeatAndReadyFollowsTheShutdown() throws Exception {
        try (PrometheusMeters meters = PrometheusMeters.create();
             EchoServer server = EchoServer.start(ServerConfig.builder().port(0).build(), meters.registry());
             MetricsEndpoint admin = MetricsEndpoint.start(new InetSocketAddress("127.0.0.1", 0), meters)) {
            HealthEndpoint.serve(admin, server, LIVE_TIMEOUT);
            String base = "http://127.0.0.1:" + admin.address().getPort();

            // idle for four timeouts: the reactor has nothing to do but still beats
            await().during(LIVE_TIMEOUT.multipliedBy(4)).atMost(Duration.ofSeconds(20))
                    .until(() -> status(base + "/live") == 200 && status(base + "/ready") == 200);

            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch blocked = new CountDownLatch(1);
            server.reactor().execute(() -> {
                blocked.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS); // bounded: the test releases it long before
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            try {
                assertEquals(true, blocked.await(10, TimeUnit.SECONDS), "the reactor ran the blocking task");
                await().atMost(Duration.ofSeconds(10)).until(() -> status(base + "/live") == 503);
                assertEquals(503, status(base + "/ready"), "a stuck reactor accepts nothing");
            } finally {
                release.countDown();
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> status(base + "/live") == 200);
            assertEquals(200, status(base + "/ready"));
            byte[] payload = Peers.randomBytes(100, 7);
            assertArrayEquals(payload, Peers.echo(server.address(), payload), "it serves again");

            assertEquals(405, status(base + "/ready", "POST"));
            assertEquals(404, status(base + "/ready/x", "GET"));
            assertEquals(200, status(base + "/live", "HEAD"));

            server.shutdown();
            assertEquals(503, status(base + "/ready"), "from the moment the shutdown is asked for");
        }
    }

    private static int status(String url) throws IOException {
        return status(url, "GET");
    }

    private static int status(String url, String method) throws IOException {
        HttpURLConnection http = (HttpURLConnection) URI.create(url).toURL().openConnection();
        http.setRequestMethod(method);
        http.setConnectTimeout(10_000);
        http.setReadTimeout(10_000);
        try {
            return http.getResponseCode();
        } finally {
            http.disconnect();
        }
    }
}
