package org.nioecho.server;

import java.nio.channels.Channel;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * For {@link InheritedDatagramTest}: run by a super-server with a UDP socket on standard
 * input, serves it through {@link Reactor#serveDatagrams} next to a TCP listener on a free
 * port, until the JVM is told to stop (SIGTERM runs the shutdown hook: a graceful close).
 */
public final class InheritedDatagramMain {
    private InheritedDatagramMain() {
    }

    public static void main(String[] args) throws Exception {
        Channel inherited = System.inheritedChannel();
        if (!(inherited instanceof DatagramChannel datagrams)) {
            System.err.println("no datagram socket on standard input: " + inherited);
            System.exit(2);
            return;
        }
        EchoServer server = EchoServer.start(ServerConfig.builder().port(0).build());
        CompletableFuture<Void> served = new CompletableFuture<>();
        server.reactor().execute(() -> {
            try {
                server.reactor().serveDatagrams(datagrams);
                served.complete(null);
            } catch (Exception e) {
                served.completeExceptionally(e);
            }
        });
        served.get(10, TimeUnit.SECONDS);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        System.err.println("serving inherited " + datagrams.getLocalAddress());
        server.awaitTermination(Duration.ofMinutes(5));
    }
}
