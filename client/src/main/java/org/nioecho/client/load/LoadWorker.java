package org.nioecho.client.load;

import org.HdrHistogram.Histogram;
import org.nioecho.client.ErrorCause;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;

/**
 * One selector thread of the load generator: owns its connections, their selector and its
 * own statistics (plain fields, no sharing on the hot path); publishes running totals in
 * volatile fields once per loop turn for the progress line. The controller tells it when
 * traffic starts ({@link #startTraffic}); from then on it times its own warm-up, run and drain.
 * In rate mode it sleeps in {@code select} (whole ms) while the next send is at least 1 ms +
 * {@value #SELECT_SLACK_NANOS} ns away; closer, it blocks in {@code select} until its
 * {@link SelectWaker} wakes it {@value #SELECT_SLACK_NANOS} ns before the send (an echo or a
 * connect ends it at once, so the arrival is timed when it comes), then polls
 * ({@code selectNow}) for the rest, so sends leave on time ({@link #planWait}). It never spins
 * while an echo is owed, except in that last stretch: a client spinning on the server's core
 * holds the server back and charges its own delay to the server's latency (measured in
 * docs/client.md, "Rate-mode timing"). A churn connection that failed waits on this worker's
 * timer before its next attempt.
 */
final class LoadWorker implements Runnable {
    /** Connection attempts in flight per worker, so the server's backlog is not overrun. */
    private static final int MAX_CONNECTING = 256;
    private static final long MAX_WAIT_MS = 100;
    private static final long TIMEOUT_SCAN_NANOS = 20_000_000L;
    /** How much earlier than a rate send a select must end: it wakes late (its own timeout counts whole ms, the waker's park overshoots). */
    static final long SELECT_SLACK_NANOS = 250_000L;
    /** Latencies above an hour are recorded as an hour. */
    static final long HIGHEST_NANOS = 3_600_000_000_000L;
    private static final ThreadMXBean THREAD_CPU = ManagementFactory.getThreadMXBean();
    private static final Consumer<SelectionKey> HANDLE = key -> ((LoadConnection) key.attachment()).handle(key, System.nanoTime());

    private final LoadConfig config;
    private final Selector selector;
    private final ByteBuffer pattern;
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(64 * 1024);
    private final List<LoadConnection> connections = new ArrayList<>();
    private final ArrayDeque<LoadConnection> toConnect = new ArrayDeque<>();
    private final PriorityQueue<LoadConnection> rateQueue =
            new PriorityQueue<>(Comparator.comparingLong((LoadConnection c) -> c.nextDueNanos));
    private final PriorityQueue<LoadConnection> retryQueue =
            new PriorityQueue<>(Comparator.comparingLong((LoadConnection c) -> c.retryAtNanos));
    private final SplittableRandom random;
    private final CountDownLatch connectPhaseDone;
    private final CountDownLatch finished;

    private volatile long trafficStartNanos;
    private volatile boolean abort;
    private volatile Throwable failure;

    private boolean trafficStarted;
    private boolean measuring;
    private boolean stopping;
    private boolean connectPhaseSignalled;
    private long measureStartNanos;
    private long stopAtNanos;
    private long drainDeadlineNanos;
    private long nextTimeoutScanNanos;
    private int connecting;
    /** Rate mode: wakes the select {@value #SELECT_SLACK_NANOS} ns before a send less than 1 ms away. */
    private SelectWaker waker;
    private int open;
    private int active;

    // statistics of the measured period (reset when the warm-up ends), owner thread only
    private final Histogram latencyNanos = new Histogram(1, HIGHEST_NANOS, 3);
    private final Histogram connectNanos = new Histogram(1, HIGHEST_NANOS, 3);
    /** TLS: from the TCP connection's establishment to the handshake's end. */
    private final Histogram handshakeNanos = new Histogram(1, HIGHEST_NANOS, 3);
    private long handshakes;
    /** Rate mode, whole run: actual minus intended send time of every message sent. */
    private final Histogram latenessNanos = new Histogram(1, HIGHEST_NANOS, 3);
    private long scheduledMessages;
    private long sentMessages;
    private long messages;
    private long bytesSent;
    private long bytesReceived;
    private long connects;
    // whole-run statistics, owner thread only
    private long totalBytesSent;
    private long totalBytesReceived;
    private long corruptBytes;
    private long extraBytes;
    private long missingBytes;
    /** CPU time this thread and its waker used in the measured period (their own cost, the JVM's other threads aside). */
    private long measuredCpuNanos;
    private long cpuAtMeasureStartNanos;
    private final long[] errors = new long[ErrorCause.values().length];

    // published once per loop turn for the controller's progress line
    private volatile long publishedMessages;
    private volatile long publishedBytesReceived;
    private volatile long publishedErrors;
    private volatile long publishedBadBytes;
    private volatile long publishedConnects;
    private volatile int publishedOpen;
    private volatile long publishedBehind;

    LoadWorker(LoadConfig config, Selector selector, DataPattern data, long seed,
               CountDownLatch connectPhaseDone, CountDownLatch finished) {
        this.config = Objects.requireNonNull(config, "config");
        this.selector = Objects.requireNonNull(selector, "selector");
        this.pattern = data.view();
        this.random = new SplittableRandom(seed);
        this.connectPhaseDone = Objects.requireNonNull(connectPhaseDone, "connectPhaseDone");
        this.finished = Objects.requireNonNull(finished, "finished");
    }

    /** Adds a connection slot; before {@link #run} only. */
    void add(InetAddress source) {
        connections.add(new LoadConnection(this, config, source));
    }

    /** From the controller: traffic starts now (warm-up, then the measured run, then the drain). */
    void startTraffic(long nanos) {
        trafficStartNanos = nanos;
        selector.wakeup();
    }

    /** From the controller: stop at once (nothing connected, or the run overran). */
    void abort() {
        abort = true;
        selector.wakeup();
    }

    Throwable failure() {
        return failure;
    }

    @Override
    public void run() {
        try {
            if (config.mode() == LoadMode.RATE) {
                waker = new SelectWaker(selector, Thread.currentThread().getName() + "-waker");
                waker.start();
            }
            active = connections.size();
            toConnect.addAll(connections);
            while (!abort) {
                long now = System.nanoTime();
                if (!trafficStarted && trafficStartNanos != 0) {
                    beginTraffic(now, trafficStartNanos);
                }
                if (trafficStarted && !runPhases(now)) {
                    break;
                }
                if (!retryQueue.isEmpty() && !stopping) {
                    retryDue(now);
                }
                if (config.mode() != LoadMode.CHURN || trafficStarted) {
                    startConnects(now);
                }
                if (now - nextTimeoutScanNanos >= 0) {
                    scanConnections(now);
                    nextTimeoutScanNanos = now + TIMEOUT_SCAN_NANOS;
                }
                if (!connectPhaseSignalled && (config.mode() == LoadMode.CHURN || toConnect.isEmpty() && connecting == 0)) {
                    connectPhaseSignalled = true;
                    publish(); // the controller reads the open count as soon as the latch opens
                    connectPhaseDone.countDown();
                }
                publish();
                long waitNanos = waitNanos(now);
                long plan = planWait(waitNanos, rateSendIsNext(now, waitNanos));
                if (plan > 0) {
                    selector.select(HANDLE, plan);
                } else if (plan < 0) {
                    waker.wakeAt(now - plan);
                    selector.select(HANDLE, 1); // the waker ends it, or an event; the 1 ms is a safety net
                } else {
                    selector.selectNow(HANDLE);
                    if (waitNanos > 0) {
                        Thread.onSpinWait();
                    }
                }
            }
        } catch (Throwable t) {
            failure = t;
        } finally {
            stopWaker();
            for (LoadConnection c : connections) {
                c.closeQuietly();
            }
            try {
                selector.close();
            } catch (IOException e) {
                failure = failure != null ? failure : e;
            }
            publish();
            if (!connectPhaseSignalled) {
                connectPhaseDone.countDown();
            }
            finished.countDown();
        }
    }

    private void stopWaker() {
        if (waker != null) {
            try {
                waker.stop();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** CPU time of this thread and its waker so far. */
    private long cpuNanos() {
        return THREAD_CPU.getCurrentThreadCpuTime() + (waker == null ? 0 : waker.cpuNanos());
    }

    private void beginTraffic(long now, long startNanos) throws IOException {
        trafficStarted = true;
        measureStartNanos = startNanos + config.warmup().toNanos();
        stopAtNanos = measureStartNanos + config.duration().toNanos();
        if (now - measureStartNanos >= 0) {
            resetMeasuredStatistics();
            measuring = true;
        }
        for (LoadConnection c : connections) {
            if (c.isOpen()) {
                c.startTraffic(now, rateOffsetNanos());
            }
        }
    }

    /** Warm-up end, stop, drain; false once this worker is done. */
    private boolean runPhases(long now) {
        if (!measuring && now - measureStartNanos >= 0) {
            resetMeasuredStatistics();
            measuring = true;
        }
        if (!stopping && now - stopAtNanos >= 0) {
            stopping = true;
            measuredCpuNanos = cpuNanos() - cpuAtMeasureStartNanos;
            drainDeadlineNanos = now + config.drainTimeout().toNanos();
            while (!toConnect.isEmpty()) {
                toConnect.poll();
                finished();
            }
            while (!retryQueue.isEmpty()) {
                retryQueue.poll();
                finished();
            }
            for (LoadConnection c : connections) {
                if (!c.isDone()) {
                    c.stop(now);
                }
            }
        }
        if (stopping && active > 0 && now - drainDeadlineNanos >= 0) {
            for (LoadConnection c : connections) {
                c.abandon();
            }
        }
        if (stopping && active <= 0) {
            return false;
        }
        if (config.mode() == LoadMode.RATE && !stopping) {
            while (!rateQueue.isEmpty() && rateQueue.peek().nextDueNanos - now <= 0) {
                LoadConnection c = rateQueue.poll();
                if (c.isOpen()) {
                    c.sendDue(now);
                    if (c.isOpen()) {
                        rateQueue.add(c);
                    }
                }
            }
        }
        return true;
    }

    private void resetMeasuredStatistics() {
        cpuAtMeasureStartNanos = cpuNanos();
        latencyNanos.reset();
        messages = 0;
        bytesSent = 0;
        bytesReceived = 0;
        if (config.mode() == LoadMode.CHURN) {
            connectNanos.reset();
            connects = 0;
            handshakeNanos.reset();
            handshakes = 0;
        }
    }

    private void startConnects(long now) {
        while (connecting < MAX_CONNECTING && !toConnect.isEmpty() && !stopping) {
            toConnect.poll().connect(now, random.nextLong(DataPattern.LENGTH));
        }
    }

    /** Churn: connections whose back-off after a failure is over may connect again. */
    private void retryDue(long now) {
        while (!retryQueue.isEmpty() && retryQueue.peek().retryAtNanos - now <= 0) {
            toConnect.add(retryQueue.poll());
        }
    }

    /** Every 20 ms: expires slow connects and sums the rate backlog for the progress line. */
    private void scanConnections(long now) {
        long limit = config.connectTimeout().toNanos();
        long behind = 0;
        for (LoadConnection c : connections) {
            if (c.isConnecting() && now - c.connectStartNanos() > limit) {
                c.handleTimeout();
            }
            behind += c.behindMessages(now);
        }
        publishedBehind = behind;
    }

    /**
     * How the loop waits for its next event, {@code waitNanos} away: {@code > 0} select for that
     * many whole ms; {@code < 0} select until the waker wakes it, minus that many ns from now;
     * {@code 0} poll ({@code selectNow}). Before a rate send a plain select ends at least
     * {@value #SELECT_SLACK_NANOS} ns early (whole ms, floored); closer than 1 ms + that slack
     * the select is woken by the waker when the slack is left, and an echo (or a connect) ends
     * it at once, so its arrival is timed when it comes and nothing spins while it is owed. Only
     * the slack itself is polled. Other waits select, rounded up to whole ms.
     */
    static long planWait(long waitNanos, boolean rateSend) {
        if (waitNanos <= 0) {
            return 0;
        }
        if (!rateSend) {
            return (waitNanos + 999_999L) / 1_000_000L;
        }
        if (waitNanos >= 1_000_000L + SELECT_SLACK_NANOS) {
            return (waitNanos - SELECT_SLACK_NANOS) / 1_000_000L;
        }
        if (waitNanos <= SELECT_SLACK_NANOS) {
            return 0;
        }
        return -(waitNanos - SELECT_SLACK_NANOS);
    }

    private boolean rateSendIsNext(long now, long waitNanos) {
        return !rateQueue.isEmpty() && !stopping && rateQueue.peek().nextDueNanos - now <= waitNanos;
    }

    /** How long the selector may wait, in ns; 0 means not at all. */
    private long waitNanos(long now) {
        long waitNanos = MAX_WAIT_MS * 1_000_000L;
        if (!toConnect.isEmpty() && connecting < MAX_CONNECTING && (config.mode() != LoadMode.CHURN || trafficStarted)) {
            return 0;
        }
        if (trafficStarted) {
            if (!measuring) {
                waitNanos = Math.min(waitNanos, measureStartNanos - now);
            }
            waitNanos = Math.min(waitNanos, stopping ? drainDeadlineNanos - now : stopAtNanos - now);
            if (!rateQueue.isEmpty() && !stopping) {
                waitNanos = Math.min(waitNanos, rateQueue.peek().nextDueNanos - now);
            }
        }
        if (!retryQueue.isEmpty() && !stopping) {
            waitNanos = Math.min(waitNanos, retryQueue.peek().retryAtNanos - now);
        }
        return Math.max(0, waitNanos);
    }

    private void publish() {
        publishedMessages = messages;
        publishedBytesReceived = bytesReceived;
        long errorSum = 0;
        for (long e : errors) {
            errorSum += e;
        }
        publishedErrors = errorSum;
        publishedBadBytes = corruptBytes + extraBytes + missingBytes;
        publishedConnects = connects;
        publishedOpen = open;
    }

    // ---- called by this worker's connections, on this thread ----

    Selector selector() {
        return selector;
    }

    InetSocketAddress server() {
        return config.server();
    }

    /** The client TLS, null without --tls. */
    org.nioecho.client.ClientTls tls() {
        return config.tls();
    }

    void handshaked(long nanos) {
        handshakes++;
        handshakeNanos.recordValue(Math.max(1, Math.min(nanos, HIGHEST_NANOS)));
    }

    ByteBuffer pattern() {
        return pattern;
    }

    ByteBuffer readBuffer() {
        return readBuffer;
    }

    boolean trafficStarted() {
        return trafficStarted;
    }

    /** Rate mode: a random start within the first period, so connections do not send in lock step. */
    long rateOffsetNanos() {
        return config.mode() == LoadMode.RATE ? (long) (random.nextDouble() * 1e9 / config.ratePerSecond()) : 0;
    }

    void scheduleRate(LoadConnection c) {
        rateQueue.add(c);
    }

    void reconnect(LoadConnection c) {
        toConnect.add(c);
    }

    /** Churn: connect again once {@code c.retryAtNanos} has passed. */
    void retryLater(LoadConnection c) {
        retryQueue.add(c);
    }

    long stopAtNanos() {
        return stopAtNanos;
    }

    void scheduled(long n) {
        scheduledMessages += n;
    }

    void messageSent(long latenessNanos) {
        sentMessages++;
        this.latenessNanos.recordValue(Math.max(0, Math.min(latenessNanos, HIGHEST_NANOS)));
    }

    void connectStarted() {
        connecting++;
    }

    void connectEnded() {
        connecting--;
    }

    void connected(long nanos) {
        connecting--;
        open++;
        connects++;
        connectNanos.recordValue(Math.max(1, Math.min(nanos, HIGHEST_NANOS)));
    }

    void closedOpen() {
        open--;
    }

    void finished() {
        active--;
    }

    void sent(int n) {
        bytesSent += n;
        totalBytesSent += n;
    }

    void received(int n) {
        bytesReceived += n;
        totalBytesReceived += n;
    }

    void messageEchoed(long latency) {
        messages++;
        latencyNanos.recordValue(Math.max(1, Math.min(latency, HIGHEST_NANOS)));
    }

    void corrupt(long n) {
        corruptBytes += n;
    }

    void extra(long n) {
        extraBytes += n;
    }

    void missing(long n) {
        missingBytes += n;
    }

    void error(ErrorCause cause) {
        errors[cause.ordinal()]++;
    }

    // ---- read by the controller: published values any time, the rest after the thread ended ----

    long publishedMessages() {
        return publishedMessages;
    }

    long publishedBytesReceived() {
        return publishedBytesReceived;
    }

    long publishedErrors() {
        return publishedErrors;
    }

    long publishedBadBytes() {
        return publishedBadBytes;
    }

    long publishedConnects() {
        return publishedConnects;
    }

    int publishedOpen() {
        return publishedOpen;
    }

    long publishedBehind() {
        return publishedBehind;
    }

    /** Adds this worker's final statistics to {@code totals}; only after {@link #run} returned. */
    void addTo(LoadTotals totals) {
        totals.latencyNanos.add(latencyNanos);
        totals.connectNanos.add(connectNanos);
        totals.handshakeNanos.add(handshakeNanos);
        totals.handshakes += handshakes;
        totals.latenessNanos.add(latenessNanos);
        totals.scheduledMessages += scheduledMessages;
        totals.sentMessages += sentMessages;
        totals.messages += messages;
        totals.bytesSent += bytesSent;
        totals.bytesReceived += bytesReceived;
        totals.connects += connects;
        totals.totalBytesSent += totalBytesSent;
        totals.totalBytesReceived += totalBytesReceived;
        totals.corruptBytes += corruptBytes;
        totals.extraBytes += extraBytes;
        totals.missingBytes += missingBytes;
        totals.workerCpuNanos += measuredCpuNanos;
        for (int i = 0; i < errors.length; i++) {
            totals.errors[i] += errors[i];
        }
    }

    /** Sums of all workers' statistics. */
    static final class LoadTotals {
        final Histogram latencyNanos = new Histogram(1, HIGHEST_NANOS, 3);
        final Histogram connectNanos = new Histogram(1, HIGHEST_NANOS, 3);
        final Histogram handshakeNanos = new Histogram(1, HIGHEST_NANOS, 3);
        long handshakes;
        final Histogram latenessNanos = new Histogram(1, HIGHEST_NANOS, 3);
        long scheduledMessages;
        long sentMessages;
        long messages;
        long bytesSent;
        long bytesReceived;
        long connects;
        long totalBytesSent;
        long totalBytesReceived;
        long corruptBytes;
        long extraBytes;
        long missingBytes;
        long workerCpuNanos;
        final long[] errors = new long[ErrorCause.values().length];
    }
}
