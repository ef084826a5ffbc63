package org.nioecho.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.FileInputStream;
import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Accept failures in process: EMFILE (this JVM's own descriptor limit lowered for a moment
 * with {@code prlimit}, the descriptors left filled) pauses accepting for the back-off, says
 * so once, and serves again afterwards; a set-up failure is counted and the channel closed;
 * a rejection over the limit says why at DEBUG.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AcceptFailuresInProcessTest {
    private static final Path PRLIMIT = Path.of("/usr/bin/prlimit");
    private static final Duration BACKOFF = Duration.ofMillis(400); // long enough that the probes below come before the first retry
    private static final Duration BOUND = Duration.ofSeconds(10);
    private static final int WAITING = 5; // more than a descriptor or two freed meanwhile (a Cleaner closing something) could let in

    @Test
    void runningOutOfDescriptorsPausesAcceptingForTheBackOffSaysSoOnceAndServesAgain() throws Exception {
        assumeTrue(Files.isExecutable(PRLIMIT), "needs prlimit (util-linux) to lower this JVM's descriptor limit");
        ServerConfig config = ServerConfig.builder().port(0).acceptBackoff(BACKOFF).build();
        List<SocketChannel> waiting = new ArrayList<>();
        try (CapturedLog log = new CapturedLog(Acceptor.class);
             EchoServer server = EchoServer.start(config)) {
            Reactor reactor = server.reactor();
            Acceptor acceptor = reactor.acceptor(0);
            assertArrayEquals(new byte[] {1}, Peers.echo(server.address(), new byte[] {1})); // loads the serving path
            assertTrue(onReactor(reactor, acceptor::accepting), "accepting at start");
            assertEquals(Long.MAX_VALUE, (long) onReactor(reactor, acceptor::resumeAtNanos), "no back-off running");
            server.pauseAccepting();
            assertFalse(onReactor(reactor, acceptor::accepting), "a paused acceptor asks for no accepts");
            try {
                for (int i = 0; i < WAITING; i++) {
                    waiting.add(Peers.connect(server.address())); // they wait in the listen queue
                }
                await().atMost(BOUND).pollInterval(Duration.ofMillis(20)).until(() -> true); // Awaitility loaded
                try (DescriptorsExhausted exhausted = DescriptorsExhausted.now()) {
                    server.resumeAccepting(); // the next accept fails with EMFILE
                    await().atMost(BOUND).pollInterval(Duration.ofMillis(20))
                            .until(() -> server.metrics().acceptErrors(AcceptError.TOO_MANY_OPEN_FILES) >= 1);
                    // Backing off: no accept asked for until the back-off ends (each retry fails again while it lasts).
                    await().atMost(BOUND).pollInterval(Duration.ofMillis(20)).until(() -> onReactor(reactor,
                            () -> acceptor.resumeAtNanos() != Long.MAX_VALUE && !acceptor.accepting()));
                    // Said at the first failed accept of the episode (read on the reactor thread, after it was logged).
                    assertEquals(1, (int) onReactor(reactor, () -> log.messages(Level.WARNING).size()), "warned at once");
                }
                for (int i = 0; i < WAITING; i++) { // accepted after the back-off: served
                    Peers.writeFully(waiting.get(i), new byte[] {(byte) i});
                    assertArrayEquals(new byte[] {(byte) i}, Peers.readExactly(waiting.get(i), 1), "echo for waiting peer " + i);
                }
            } finally {
                for (SocketChannel peer : waiting) {
                    peer.close();
                }
            }
            assertTrue(onReactor(reactor, acceptor::accepting), "accepting again");
            assertEquals(Long.MAX_VALUE, (long) onReactor(reactor, acceptor::resumeAtNanos), "the back-off has ended");
            long failed = server.metrics().acceptErrors(AcceptError.TOO_MANY_OPEN_FILES);
            assertEquals(0, server.metrics().acceptErrors(AcceptError.OTHER));
            assertEquals(0, server.metrics().acceptErrors(AcceptError.ABORTED));
            assertEquals(1 + WAITING, server.metrics().accepted());

            // One episode as a rule; a descriptor freed meanwhile elsewhere in this JVM may split it in two.
            // Either way: one warning when an episode begins, one line when it ends, every failure in one.
            List<String> warnings = log.messages(Level.WARNING);
            List<String> ends = log.messages(Level.INFO);
            assertEquals(warnings.size(), ends.size(), "one warning and one end per episode: " + warnings + " " + ends);
            for (String warning : warnings) {
                assertTrue(warning.matches("accept paused: .*Too many open files.* \\(EMFILE/ENFILE\\); "
                        + "retrying every " + BACKOFF.toMillis() + " ms until descriptors free up"), warning);
            }
            long failedInEpisodes = 0;
            for (String end : ends) {
                Matcher again = Pattern.compile("accepting again after ([1-9][0-9]*) failed accepts").matcher(end);
                assertTrue(again.matches(), end);
                failedInEpisodes += Long.parseLong(again.group(1));
            }
            assertEquals(failed, failedInEpisodes, "every failed accept is in an episode: " + ends);
            assertEquals(List.of(), log.messages(Level.SEVERE));
        }
    }

    /** A connection reset right after accept: counted as aborted, closed, one DEBUG line. */
    @Test
    void aSetUpFailureByResetIsCountedClosedAndSaidAtDebug() throws Exception {
        ServerMetrics metrics = new ServerMetrics();
        try (CapturedLog log = new CapturedLog(Acceptor.class);
             ServerSocketChannel listener = ServerSocketChannel.open().bind(new java.net.InetSocketAddress("127.0.0.1", 0));
             SocketChannel peer = Peers.connect((java.net.InetSocketAddress) listener.getLocalAddress());
             SocketChannel accepted = listener.accept()) {
            Acceptor.setupFailed(metrics, accepted, new IOException("Connection reset by peer"));
            assertFalse(accepted.isOpen(), "the channel is closed");
            assertEquals(-1, Peers.read(peer, new byte[1]), "the peer sees the close");
            assertEquals(1, metrics.acceptErrors(AcceptError.ABORTED));
            assertEquals(0, metrics.acceptErrors(AcceptError.OTHER));
            assertEquals(List.of("accept: connection reset right after accept (Connection reset by peer)"),
                    log.messages(Level.FINE));
            assertEquals(List.of(), log.messages(Level.SEVERE));
        }
    }

    /** Any other set-up failure: counted as other, closed, one ERROR line with the failure. */
    @Test
    void anyOtherSetUpFailureIsCountedClosedAndLoggedAsAnError() throws Exception {
        ServerMetrics metrics = new ServerMetrics();
        IOException failure = new IOException("Invalid argument");
        try (CapturedLog log = new CapturedLog(Acceptor.class);
             ServerSocketChannel listener = ServerSocketChannel.open().bind(new java.net.InetSocketAddress("127.0.0.1", 0));
             SocketChannel peer = Peers.connect((java.net.InetSocketAddress) listener.getLocalAddress());
             SocketChannel accepted = listener.accept()) {
            Acceptor.setupFailed(metrics, accepted, failure);
            assertFalse(accepted.isOpen(), "the channel is closed");
            assertEquals(-1, Peers.read(peer, new byte[1]), "the peer sees the close");
            assertEquals(1, metrics.acceptErrors(AcceptError.OTHER));
            assertEquals(List.of("setting up an accepted connection failed"), log.messages(Level.SEVERE));
            assertEquals(failure, log.at(Level.SEVERE).get(0).getThrown());
            assertEquals(List.of(), log.messages(Level.FINE));
        }
    }

    /** A connection over the limit is closed at once; DEBUG says why. */
    @Test
    void aRejectionOverTheLimitIsSaidAtDebug() throws Exception {
        try (CapturedLog log = new CapturedLog(Reactor.class);
             EchoServer server = EchoServer.start(ServerConfig.builder().port(0).maxConnections(1).build());
             SocketChannel first = Peers.connect(server.address())) {
            Peers.writeFully(first, new byte[] {5});
            assertArrayEquals(new byte[] {5}, Peers.readExactly(first, 1));
            try (SocketChannel second = Peers.connect(server.address())) {
                assertEquals(-1, Peers.read(second, new byte[1]), "the second peer is closed at once");
            }
            await().atMost(BOUND).until(() -> server.metrics().closed(CloseCause.REJECTED) == 1);
            assertEquals(2, server.metrics().accepted(), "a rejected connection counts as accepted");
            assertTrue(log.messages(Level.FINE).contains("connection rejected: 1 already open"), log.messages(Level.FINE).toString());
        }
    }

    /** Runs {@code read} on the reactor thread and returns its answer. */
    static <T> T onReactor(Reactor reactor, Supplier<T> read) throws Exception {
        CompletableFuture<T> answer = new CompletableFuture<>();
        reactor.execute(() -> answer.complete(read.get()));
        return answer.get(10, TimeUnit.SECONDS);
    }

    /**
     * This JVM out of descriptors until closed: its soft RLIMIT_NOFILE lowered a little above
     * what is open (only the soft limit, which may be raised back), then the rest taken by
     * /dev/null until the next open fails with EMFILE.
     */
    private static final class DescriptorsExhausted implements AutoCloseable {
        private final String softLimit;
        private final List<FileInputStream> held = new ArrayList<>();

        private DescriptorsExhausted(String softLimit) {
            this.softLimit = softLimit;
        }

        static DescriptorsExhausted now() throws Exception {
            DescriptorsExhausted exhausted = new DescriptorsExhausted(softLimit());
            prlimit(Long.toString(Peers.openDescriptors() + 32));
            try {
                exhausted.fill();
            } catch (Throwable e) {
                exhausted.close();
                throw e;
            }
            return exhausted;
        }

        private void fill() throws IOException {
            for (int i = 0; i < 10_000; i++) {
                try {
                    held.add(new FileInputStream("/dev/null"));
                } catch (IOException e) {
                    if (String.valueOf(e.getMessage()).contains("Too many open files")) {
                        return;
                    }
                    throw e;
                }
            }
            throw new AssertionError("descriptors did not run out after " + held.size() + " opens");
        }

        @Override
        public void close() throws Exception {
            for (FileInputStream stream : held) {
                stream.close();
            }
            prlimit(softLimit);
        }

        /** The soft limit now, from /proc/self/limits ("unlimited" or a number). */
        private static String softLimit() throws IOException {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                Matcher limits = Pattern.compile("^Max open files\\s+(\\S+)\\s+(\\S+)").matcher(line);
                if (limits.find()) {
                    return limits.group(1);
                }
            }
            throw new AssertionError("no 'Max open files' in /proc/self/limits");
        }

        /** Sets this JVM's soft RLIMIT_NOFILE ("N:" leaves the hard limit as it is). */
        private static void prlimit(String soft) throws Exception {
            Process process = new ProcessBuilder(PRLIMIT.toString(), "--pid", Long.toString(ProcessHandle.current().pid()),
                    "--nofile=" + soft + ":").redirectErrorStream(true).start();
            assertTrue(process.waitFor(10, TimeUnit.SECONDS), "prlimit did not end");
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            assertEquals(0, process.exitValue(), "prlimit --nofile=" + soft + ": " + output);
        }
    }
}
