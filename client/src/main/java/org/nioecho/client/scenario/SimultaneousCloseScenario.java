package org.nioecho.client.scenario;

import org.nioecho.kernel.TcpState;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Notes §2, first bullet: both ends close at once; an end in FIN_WAIT1 that receives a FIN
 * goes to CLOSING, then TIME_WAIT. The echo server only ever closes after its peer's FIN,
 * so the two ends here are a socket pair on loopback in this process.
 *
 * <p>Part 1 races two {@code close()} calls released together and reports what the timing
 * gave. Part 2 makes the crossing certain: each end fills the other's receive window, so
 * each FIN waits behind unsendable data; both ends shut down output (both FIN_WAIT1), then
 * A reads everything: B's data and FIN reach A while A's own FIN is still unsent → CLOSING.
 */
final class SimultaneousCloseScenario implements Scenario {
    private static final int RACE_ATTEMPTS = 5;
    private static final int BUFFER_BYTES = 16 * 1024;
    private static final Duration SETTLE = Duration.ofSeconds(5);

    @Override
    public String name() {
        return "simultaneous-close";
    }

    @Override
    public String notesSay() {
        return "both ends in FIN_WAIT_1 receive each other's FIN: → CLOSING, then on the ACK of their own FIN → TIME_WAIT";
    }

    @Override
    public Verdict run(ScenarioContext context) throws Exception {
        Timeline timeline = context.timeline();
        try (ServerSocketChannel listener = ServerSocketChannel.open()) {
            listener.setOption(StandardSocketOptions.SO_RCVBUF, BUFFER_BYTES);
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int port = ((InetSocketAddress) listener.getLocalAddress()).getPort();
            context.watchServerPort(port); // B, the accepted end, counts as the server's end
            timeline.log("pair", "listening on 127.0.0.1:" + ((InetSocketAddress) listener.getLocalAddress()).getPort()
                    + " (a socket pair in this process: the echo server never closes first)");
            timeline.plain("  part 1: two close() calls released at the same instant, " + RACE_ATTEMPTS + " times");
            int closingSeen = 0;
            int bothTimeWait = 0;
            boolean racesClean = true;
            List<RaceResult> races = new ArrayList<>();
            for (int attempt = 1; attempt <= RACE_ATTEMPTS; attempt++) {
                RaceResult race = race(timeline, listener, attempt);
                races.add(race);
                closingSeen += race.closingSeen ? 1 : 0;
                bothTimeWait += race.bothTimeWait ? 1 : 0;
                racesClean &= race.settled;
            }
            String raceText = "racing close(): CLOSING seen in " + closingSeen + " of " + RACE_ATTEMPTS
                    + " attempts, both ends in TIME_WAIT (FINs crossed) in " + bothTimeWait
                    + (closingSeen == 0 ? " — the timing did not produce CLOSING" : "");
            timeline.log("pair", raceText);
            timeline.plain("  part 2: both FINs held back by full receive windows, so they must cross");
            HeldResult held = heldFins(timeline, listener);
            boolean matched = racesClean && held.bothFinWait1 && held.closingOnA && held.bothTimeWait;
            String observed = raceText + "; held FINs: A " + held.walkA + ", B " + held.walkB
                    + (held.closingOnA ? " (CLOSING shown by the kernel)" : " (CLOSING NOT seen)")
                    + (racesClean ? "" : "; a raced pair did NOT settle in TIME_WAIT/gone");
            if (context.evidence().traced()) {
                KernelFacts facts = context.evidence().facts();
                long tracedClosing = races.stream().filter(race -> closingTraced(facts, race.a)).count();
                List<TcpState> walkA = facts.walk(held.a.localPort(), held.a.remotePort());
                List<TcpState> walkB = facts.walk(held.a.remotePort(), held.a.localPort());
                boolean crossed = KernelFacts.walks(walkA, TcpState.FIN_WAIT1, TcpState.CLOSING, TcpState.CLOSE);
                timeline.log("kernel", "traced: CLOSING happened in " + tracedClosing + " of " + RACE_ATTEMPTS
                        + " raced closes on loopback");
                matched &= facts.complete() && crossed;
                observed += "; traced: CLOSING in " + tracedClosing + " of " + RACE_ATTEMPTS + " raced closes; held FINs: A "
                        + KernelFacts.text(walkA) + (crossed ? "" : " (NOT FIN_WAIT1 → CLOSING → CLOSE)") + ", B "
                        + KernelFacts.text(walkB) + facts.lostText();
            }
            return Verdict.of(this, matched, observed);
        }
    }

    /** True when either end of a raced pair went through CLOSING, by the trace. */
    private static boolean closingTraced(KernelFacts facts, StateWatch.Side a) {
        return facts.walk(a.localPort(), a.remotePort()).contains(TcpState.CLOSING)
                || facts.walk(a.remotePort(), a.localPort()).contains(TcpState.CLOSING);
    }

    private record RaceResult(StateWatch.Side a, boolean settled, boolean closingSeen, boolean bothTimeWait) {
    }

    private RaceResult race(Timeline timeline, ServerSocketChannel listener, int attempt) throws Exception {
        ExecutorService closers = Executors.newFixedThreadPool(2);
        try (SocketChannel a = SocketChannel.open(listener.getLocalAddress()); SocketChannel b = listener.accept()) {
            StateWatch.Side sideA = side("A" + attempt, a);
            StateWatch.Side sideB = side("B" + attempt, b);
            StateWatch watch = StateWatch.start(timeline, sideA, sideB);
            boolean settled;
            try {
                CountDownLatch go = new CountDownLatch(1);
                Future<?> closeA = closers.submit(() -> closeAfter(go, a));
                Future<?> closeB = closers.submit(() -> closeAfter(go, b));
                go.countDown();
                closeA.get(5, TimeUnit.SECONDS);
                closeB.get(5, TimeUnit.SECONDS);
                timeline.log("pair", "A" + attempt + ".close() and B" + attempt + ".close() released together", "ok");
                settled = Poll.until(SETTLE, () -> finished(watch.last(sideA.label())) && finished(watch.last(sideB.label())));
            } finally {
                watch.close();
            }
            boolean closing = watch.walk(sideA.label()).contains("CLOSING") || watch.walk(sideB.label()).contains("CLOSING");
            boolean bothTimeWait = watch.last(sideA.label()).equals("TIME_WAIT") && watch.last(sideB.label()).equals("TIME_WAIT");
            return new RaceResult(sideA, settled, closing, bothTimeWait);
        } finally {
            closers.shutdownNow();
        }
    }

    private static boolean finished(String state) {
        return state.equals("TIME_WAIT") || state.equals(StateWatch.GONE);
    }

    private static Void closeAfter(CountDownLatch go, SocketChannel channel) throws IOException, InterruptedException {
        if (!go.await(5, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the start gate did not open");
        }
        channel.close();
        return null;
    }

    private record HeldResult(StateWatch.Side a, boolean bothFinWait1, boolean closingOnA, boolean bothTimeWait, String walkA, String walkB) {
    }

    private HeldResult heldFins(Timeline timeline, ServerSocketChannel listener) throws Exception {
        try (SocketChannel a = SocketChannel.open(); SocketChannel b = connectPair(a, listener)) {
            StateWatch.Side sideA = side("A", a);
            StateWatch.Side sideB = side("B", b);
            timeline.log("A", "write until the window closes", fill(a) + " bytes, then write returned 0");
            timeline.log("B", "write until the window closes", fill(b) + " bytes, then write returned 0");
            StateWatch watch = StateWatch.start(timeline, sideA, sideB);
            boolean bothFinWait1;
            boolean closingOnA;
            boolean bothTimeWait;
            try {
                a.shutdownOutput();
                timeline.log("A", "shutdownOutput (FIN queued behind data)", "ok");
                b.shutdownOutput();
                timeline.log("B", "shutdownOutput (FIN queued behind data)", "ok");
                bothFinWait1 = Poll.until(SETTLE, () -> watch.last("A").equals("FIN_WAIT1") && watch.last("B").equals("FIN_WAIT1"));
                timeline.log("A", "read until EOF", drain(a));
                closingOnA = Poll.until(SETTLE, () -> watch.last("A").equals("CLOSING"));
                timeline.log("B", "read until EOF", drain(b));
                bothTimeWait = Poll.until(SETTLE, () -> watch.last("A").equals("TIME_WAIT") && watch.last("B").equals("TIME_WAIT"));
            } finally {
                watch.close();
            }
            return new HeldResult(sideA, bothFinWait1, closingOnA, bothTimeWait, watch.walkText("A"), watch.walkText("B"));
        }
    }

    private static SocketChannel connectPair(SocketChannel a, ServerSocketChannel listener) throws IOException {
        a.setOption(StandardSocketOptions.SO_RCVBUF, BUFFER_BYTES);
        a.setOption(StandardSocketOptions.SO_SNDBUF, BUFFER_BYTES);
        a.connect(listener.getLocalAddress());
        SocketChannel b = listener.accept();
        b.setOption(StandardSocketOptions.SO_SNDBUF, BUFFER_BYTES);
        a.configureBlocking(false);
        b.configureBlocking(false);
        return b;
    }

    /** Writes until the peer's window and our send buffer are full (write returns 0); bounded. */
    private static long fill(SocketChannel channel) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate(4096);
        long total = 0;
        for (int i = 0; i < 10_000; i++) {
            chunk.clear();
            int n = channel.write(chunk);
            if (n == 0) {
                return total;
            }
            total += n;
        }
        throw new IOException("the window never closed after " + total + " bytes");
    }

    /** Reads a non-blocking channel until EOF, for at most a few seconds. */
    private static String drain(SocketChannel channel) throws IOException, InterruptedException {
        ByteBuffer buffer = ByteBuffer.allocate(16 * 1024);
        long[] total = new long[1];
        boolean eof = Poll.until(SETTLE, () -> {
            while (true) {
                buffer.clear();
                int n = channel.read(buffer);
                if (n < 0) {
                    return true;
                }
                if (n == 0) {
                    return false;
                }
                total[0] += n;
            }
        });
        return total[0] + " bytes, then " + (eof ? "EOF (-1)" : "no EOF within " + SETTLE.toSeconds() + " s");
    }

    private static StateWatch.Side side(String label, SocketChannel channel) throws IOException {
        return new StateWatch.Side(label, ((InetSocketAddress) channel.getLocalAddress()).getPort(),
                ((InetSocketAddress) channel.getRemoteAddress()).getPort());
    }
}
