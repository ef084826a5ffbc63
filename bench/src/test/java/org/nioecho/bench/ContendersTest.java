package org.nioecho.bench;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The contenders' names, parameters and command lines, without starting any of them. */
class ContendersTest {
    private static final Path JAR = Path.of("/nonexistent/some.jar");

    @Test
    void nettyNamesCarryTheTransportAndTheEventLoops() {
        assertEquals(new Contenders.Netty("epoll", 1), Contenders.netty("netty-epoll"));
        assertEquals(new Contenders.Netty("io_uring", 1), Contenders.netty("netty-io_uring"));
        assertEquals(new Contenders.Netty("epoll", 2), Contenders.netty("netty-epoll-2"));
        assertEquals(new Contenders.Netty("io_uring", 16), Contenders.netty("netty-io_uring-16"));
        for (String bad : new String[] {"netty-kqueue", "netty-epoll-0", "netty-epoll-x", "netty-epoll-", "netty", "netty-io_uring-1000"}) {
            assertNull(Contenders.netty(bad), bad);
            assertFalse(Contenders.known(bad), bad);
        }
        assertEquals(List.of("--transport", "io_uring", "--event-loops", "3"), Contenders.netty("netty-io_uring-3").arguments());
    }

    @Test
    void theReactorTakesAnOptionalReactorCount() {
        assertEquals(4, Contenders.reactors("reactor-4"));
        assertEquals(0, Contenders.reactors("reactor"));
        assertEquals(0, Contenders.reactors("reactor-0"));
        assertTrue(Contenders.known("reactor") && Contenders.known("reactor-2") && Contenders.known("c-epoll"));
    }

    @Test
    void specsRunTheNettyServerWithTransportAndLoops() throws InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<ServerSpec> specs = Contenders.specs(List.of("netty-epoll-2", "netty-io_uring"), Map.of(), java, List.of("-Xmx64m"), JAR, JAR);
        ServerSpec epoll2 = specs.get(0);
        assertEquals("netty-epoll-2", epoll2.name());
        assertTrue(String.join(" ", epoll2.command()).endsWith(NettyEchoServer.class.getName() + " --port 0 --transport epoll --event-loops 2"),
                epoll2.command().toString());
        assertTrue(epoll2.command().contains("-Xmx64m") && epoll2.runnable());
        assertTrue(epoll2.description().contains("2 event-loop threads"), epoll2.description());
        ServerSpec uring = specs.get(1);
        assertTrue(String.join(" ", uring.command()).endsWith("--transport io_uring --event-loops 1"), uring.command().toString());
        assertEquals(Contenders.ioUringSkipReason(), uring.skipReason(), "skipped exactly when io_uring cannot run here");
    }

    @Test
    void ffmEpollRunsWithNativeAccessAndOnlyOnJdk22AndLater() throws InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ServerSpec spec = Contenders.specs(List.of("ffm-epoll"), Map.of(), java, List.of("-Xmx64m"), JAR, JAR).get(0);
        assertTrue(Contenders.known("ffm-epoll"));
        assertTrue(String.join(" ", spec.command()).endsWith(
                "-Xmx64m --enable-native-access=ALL-UNNAMED -cp " + JAR + " " + FfmEpollEchoServer.class.getName() + " --port 0"),
                spec.command().toString());
        assertEquals(Runtime.version().feature() >= 22, spec.runnable(), String.valueOf(spec.skipReason()));
        if (!spec.runnable()) {
            assertTrue(spec.skipReason().startsWith("ffm-epoll needs JDK 22 or later"), spec.skipReason());
        }
    }

    @Test
    void reactorsIsAHookSkippedWhileTheServerLacksTheOption() throws InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ServerSpec spec = Contenders.specs(List.of("reactor-2"), Map.of(), java, List.of(), JAR, JAR).get(0);
        assertTrue(String.join(" ", spec.command()).endsWith("--port 0 --reactors 2"), spec.command().toString());
        assertFalse(spec.runnable());
        assertTrue(spec.skipReason().contains("--reactors"), spec.skipReason());
    }

    @Test
    void pinningPutsTasksetInFrontOfTheCommand() {
        ServerSpec spec = new ServerSpec("x", "an x", List.of("java", "-jar", "x.jar"), null).pinnedTo("0");
        assertEquals(List.of("taskset", "-c", "0", "java", "-jar", "x.jar"), spec.command());
        assertTrue(spec.description().contains("pinned to CPU 0"), spec.description());
    }
}
