package org.nioecho.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nioecho.harness.ServerProcess;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The comparison's peer servers, each run as its own process, echo correctly and stop cleanly. */
class PeerServersTest {
    private static final Duration START = Duration.ofSeconds(30);
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);
    private static final Duration EXCHANGE = Duration.ofSeconds(60);
    private static final int SOCKET_TIMEOUT_MS = 20_000;
    /** Daemon threads for the many-peer test: each peer's writer and reader. */
    private static final ExecutorService PEERS = Executors.newCachedThreadPool(r -> {
        Thread thread = new Thread(r, "peer");
        thread.setDaemon(true);
        return thread;
    });

    static ServerSpec peer(String name, String mainClass, String... args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(Contenders.nettyOptions());
        command.addAll(List.of("-Xmx128m", "-cp", System.getProperty("java.class.path"), mainClass, "--port", "0"));
        command.addAll(Arrays.asList(args));
        return new ServerSpec(name, name, command, null);
    }

    @ParameterizedTest
    @ValueSource(strings = {"blocking", "virtual", "netty-nio", "netty-epoll", "netty-io_uring", "netty-epoll-2", "netty-io_uring-2",
        "c-epoll", "ffm-epoll"})
    void echoesOneMebibyteInChunksThenSeesTheHalfCloseAndStopsOnSigterm(String name) throws Exception {
        assumeTrue(!name.equals("virtual") || VirtualThreads.available(), VirtualThreads.unavailableReason());
        assumeTrue(!name.startsWith("netty-io_uring") || Contenders.ioUringSkipReason() == null, Contenders.ioUringSkipReason());
        ServerSpec spec = switch (name) {
            case "blocking" -> peer(name, BlockingEchoServer.class.getName());
            case "virtual" -> peer(name, BlockingEchoServer.class.getName(), "--virtual");
            case "c-epoll" -> CEpollServer.spec();
            case "ffm-epoll" -> ffmEpoll();
            default -> peer(name, NettyEchoServer.class.getName(), Contenders.netty(name).arguments().toArray(String[]::new));
        };
        assumeTrue(spec.runnable(), name + ": " + spec.skipReason()); // c-epoll needs cc, ffm-epoll JDK 22+
        ServerProcess server = spec.start(START);
        try {
            if (name.startsWith("netty-io_uring")) {
                assertTrue(hasIoUringInstance(server.pid()), "the io_uring transport holds an io_uring instance (anon_inode:[io_uring])");
            }
            byte[] sent = new byte[1 << 20];
            new SplittableRandom(7).nextBytes(sent);
            // writes have no socket timeout: the whole exchange is bounded, and stopping the server ends a stuck write
            assertTimeoutPreemptively(EXCHANGE, () -> {
                try (Socket socket = connect(server)) {
                    InputStream in = socket.getInputStream();
                    CompletableFuture<byte[]> echoed = CompletableFuture.supplyAsync(() -> readAll(in));
                    OutputStream out = socket.getOutputStream();
                    for (int at = 0; at < sent.length; at += 10_000) {
                        out.write(sent, at, Math.min(10_000, sent.length - at));
                    }
                    socket.shutdownOutput();
                    assertArrayEquals(sent, echoed.get(30, TimeUnit.SECONDS), "every byte back, in order, then EOF");
                }
            });
        } finally {
            int exit = server.stop(STOP_GRACE);
            assertEquals(0, exit, "SIGTERM stops it with 0:" + server.lastOutput());
        }
        if (!name.equals("c-epoll")) { // the C server prints nothing when it stops
            assertTrue(server.lastOutput().contains("stopped"), server.lastOutput());
        }
    }

    /**
     * {@code ffm-epoll} owes what a socket did not take and reads on only once it is sent:
     * 64 peers, each with a 4 KiB receive buffer against a server send buffer of 4 KiB (so the
     * server's 64 KiB writes come up short), stream 256 KiB while reading it back, every byte checked.
     */
    @Test
    void ffmEpollEchoesManyStreamsByteForByteThroughShortWrites() throws Exception {
        ServerSpec spec = ffmEpoll();
        assumeTrue(spec.runnable(), spec.skipReason());
        List<String> command = new ArrayList<>(spec.command());
        command.addAll(List.of("--send-buffer", "4096"));
        ServerProcess server = new ServerSpec(spec.name(), spec.description(), command, null).start(START);
        try {
            assertTimeoutPreemptively(EXCHANGE, () -> {
                List<CompletableFuture<Void>> peers = new ArrayList<>();
                for (int i = 0; i < 64; i++) {
                    int seed = i;
                    peers.add(CompletableFuture.runAsync(() -> streamAndCheck(server, seed), PEERS));
                }
                CompletableFuture.allOf(peers.toArray(CompletableFuture[]::new)).get(50, TimeUnit.SECONDS);
            });
        } finally {
            assertEquals(0, server.stop(STOP_GRACE), server.lastOutput());
        }
    }

    private static ServerSpec ffmEpoll() throws InterruptedException {
        return Contenders.specs(List.of("ffm-epoll"), Map.of(), Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                List.of("-Xmx128m"), Path.of("unused.jar"), Path.of(System.getProperty("java.class.path"))).get(0);
    }

    @Test
    void ffmEpollBeforeJdk22ExitsThreeWithOneLine() throws Exception {
        ServerSpec spec = ffmEpoll();
        assumeTrue(!spec.runnable(), "this JDK has java.lang.foreign");
        Process process = new ProcessBuilder(spec.command()).redirectErrorStream(true).start();
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "it stops at once");
        String output = new String(process.getInputStream().readAllBytes());
        assertEquals(3, process.exitValue(), output);
        assertEquals(1, output.lines().count(), output);
        assertTrue(output.startsWith("ffm-epoll-echo: needs JDK 22 or later"), output);
    }

    private static void streamAndCheck(ServerProcess server, int seed) {
        byte[] sent = new byte[256 * 1024];
        new SplittableRandom(seed).nextBytes(sent);
        try (Socket socket = connect(server, 4096)) {
            InputStream in = socket.getInputStream();
            CompletableFuture<byte[]> echoed = CompletableFuture.supplyAsync(() -> readAll(in), PEERS);
            socket.getOutputStream().write(sent);
            socket.shutdownOutput();
            assertArrayEquals(sent, echoed.get(40, TimeUnit.SECONDS), "peer " + seed + ": every byte back, in order, then EOF");
        } catch (Exception e) {
            throw new AssertionError("peer " + seed, e);
        }
    }

    /** N event loops are N threads that serve: two connections land on two loops (round robin), both echo. */
    @ParameterizedTest
    @ValueSource(strings = {"netty-epoll-2", "netty-io_uring-2"})
    void nEventLoopsServeConnectionsOnNThreads(String name) throws Exception {
        assumeTrue(!name.startsWith("netty-io_uring") || Contenders.ioUringSkipReason() == null, Contenders.ioUringSkipReason());
        Contenders.Netty netty = Contenders.netty(name);
        ServerProcess server = peer(name, NettyEchoServer.class.getName(), netty.arguments().toArray(String[]::new)).start(START);
        try (Socket first = connect(server); Socket second = connect(server)) {
            for (Socket socket : new Socket[] {first, second}) {
                socket.getOutputStream().write("ping".getBytes()); // 4 bytes: the socket's buffer takes them
                assertEquals("ping", new String(socket.getInputStream().readNBytes(4)));
            }
            // Netty names its threads multiThreadIoEventLoopGroup-G-I; the kernel keeps the first 15 characters
            assertEquals(netty.eventLoops(), server.threadCount("multiThreadIoEv"), "event-loop threads of " + name);
        } finally {
            assertEquals(0, server.stop(STOP_GRACE), server.lastOutput());
        }
    }

    @Test
    void aPinnedServerRunsOnlyOnItsCpu() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/taskset")), "needs taskset (util-linux)");
        ServerProcess server = peer("blocking", BlockingEchoServer.class.getName()).pinnedTo("0").start(START);
        try {
            String status = Files.readString(Path.of("/proc/" + server.pid() + "/status"));
            assertTrue(status.lines().anyMatch(l -> l.matches("Cpus_allowed_list:\\s+0")), status);
            try (Socket socket = connect(server)) {
                socket.getOutputStream().write("ping".getBytes());
                assertEquals("ping", new String(socket.getInputStream().readNBytes(4)));
            }
        } finally {
            assertEquals(0, server.stop(STOP_GRACE), "taskset execs the server, so SIGTERM reaches it:" + server.lastOutput());
        }
    }

    private static boolean hasIoUringInstance(long pid) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return fds.anyMatch(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().equals("anon_inode:[io_uring]");
                } catch (IOException e) {
                    return false; // closed between list and read
                }
            });
        }
    }

    @Test
    void virtualThreadsOnAnOldJdkExitWithThreeAndOneLine() throws Exception {
        assumeTrue(!VirtualThreads.available(), "this JDK has virtual threads");
        IOException e = assertThrows(IOException.class,
                () -> peer("virtual", BlockingEchoServer.class.getName(), "--virtual").start(START));
        assertTrue(e.getMessage().contains("exit code 3"), e.getMessage());
        assertTrue(e.getMessage().contains("virtual threads need JDK 21"), e.getMessage());
        assertTrue(!e.getMessage().contains("Exception"), "no stack trace: " + e.getMessage());
    }

    @Test
    void anExternalCommandGetsAFreePortAndIsReadyOnceItListens() throws Exception {
        ServerSpec spec = new ServerSpec("java-blocking-external", "external",
                List.of("/bin/sh", "-c", "exec '" + Path.of(System.getProperty("java.home"), "bin", "java") + "' -cp '"
                        + System.getProperty("java.class.path") + "' " + BlockingEchoServer.class.getName() + " --port {port}"), null);
        assertTrue(spec.usesPortPlaceholder());
        ServerProcess server = spec.start(START);
        try (Socket socket = connect(server)) {
            socket.getOutputStream().write("ping".getBytes()); // 4 bytes: the socket's buffer takes them
            byte[] back = socket.getInputStream().readNBytes(4);
            assertEquals("ping", new String(back));
        } finally {
            server.stop(STOP_GRACE);
        }
    }

    @Test
    void aServerThatCannotStartIsReportedWithItsOutput() {
        ServerSpec spec = new ServerSpec("broken", "broken", List.of("/bin/sh", "-c", "echo 'cannot listen: no' >&2; exit 1"), null);
        IOException e = assertThrows(IOException.class, () -> spec.start(START));
        assertTrue(e.getMessage().contains("exit code 1") && e.getMessage().contains("cannot listen: no"), e.getMessage());
    }

    /** A connection with bounded connect and reads. */
    private static Socket connect(ServerProcess server) throws IOException {
        return connect(server, 0);
    }

    /** The same with a receive buffer of {@code receiveBytes} (0: the system's default). */
    private static Socket connect(ServerProcess server, int receiveBytes) throws IOException {
        Socket socket = new Socket();
        try {
            if (receiveBytes > 0) {
                socket.setReceiveBufferSize(receiveBytes); // before connect: it sets the window offered
            }
            socket.connect(server.address(), SOCKET_TIMEOUT_MS);
            socket.setSoTimeout(SOCKET_TIMEOUT_MS);
            return socket;
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    private static byte[] readAll(InputStream in) {
        try {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("reading the echo failed", e);
        }
    }
}
