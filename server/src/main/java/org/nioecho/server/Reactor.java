package org.nioecho.server;

import org.jctools.queues.MessagePassingQueue;
import org.jctools.queues.atomic.MpscUnboundedAtomicArrayQueue;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The event loop: one thread, one {@link Selector}. Each ready key's attachment (a
 * {@link ChannelHandler}) is called in turn; timers (accept back-off, the idle and
 * write-timeout sweep, drain deadline) bound the select timeout.
 *
 * <p>Output memory: connections borrow output buffers from one {@link BufferPool} within
 * {@code --max-output-memory}. A connection that would need more than the budget has left
 * stops reading and waits in {@link #budgetPaused}, first come first served; each turn
 * wakes the waiters at its head whose need the freed memory now covers.
 *
 * <p>Faults: each accepted connection draws from the {@link FaultPlan}; the delays,
 * durations and rates of the faults it gets run on the {@link TimerQueue}, which also
 * bounds the select timeout (nothing sleeps, no other thread). Without faults the queue
 * stays empty and costs nothing.
 *
 * <p>With {@code --reactors N} a {@link ReactorGroup} runs N of these: the first one's
 * acceptor takes a connection slot from the shared {@link ConnectionLimit}, draws the
 * connection's faults and hands the channel to the next reactor in turn through that
 * reactor's task queue. Each reactor has its own selector, read buffer, timers, counters and
 * share of the output budget; nothing is shared on the echo path.
 *
 * <p>Other threads talk to it only through {@link #execute(Runnable)}: a JCTools MPSC
 * queue plus a gated {@link Selector#wakeup()}, sent only when the reactor may be
 * blocked and only by the thread that flips the gate. Wake-ups coalesce like signals, so
 * each turn drains the queue (up to a limit, then selects without blocking while tasks
 * remain) and handles every ready key.
 */
final class Reactor implements Runnable {
    private static final System.Logger LOG = System.getLogger(Reactor.class.getName());
    private static final int TASKS_PER_TURN = 4096;
    private static final int TIMERS_PER_TURN = 4096;

    private final ServerConfig config;
    private final ServerMetrics metrics;
    private final Selector selector;
    private final ReactorGroup group;
    private final Acceptor[] acceptors; // one per listening socket; none on a reactor that only serves what is handed to it
    private final ByteBuffer readBuffer;
    private final BufferPool outputBuffers;
    private final ArrayDeque<PeerConnection> budgetPaused = new ArrayDeque<>();
    private final TimerQueue timers = new TimerQueue(TIMERS_PER_TURN);
    private final FaultPlan faultPlan;
    private final TlsEndpoint tls; // null: no listener of the server serves TLS
    private final SplittableRandom faultRandom; // jitters and slice sizes; reactor thread only
    // The atomic variant: no sun.misc.Unsafe, so JDK 24+ prints no warning (it would reach an inetd client on stderr).
    private final MessagePassingQueue<Runnable> tasks = new MpscUnboundedAtomicArrayQueue<>(256);
    private final AtomicBoolean awake = new AtomicBoolean(true);
    private final Consumer<SelectionKey> dispatch = this::dispatch;
    private final MessagePassingQueue.Consumer<Runnable> runTask = this::runTask;
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final Heartbeat heartbeat = new Heartbeat(System.nanoTime());
    private final long idleTimeoutNanos;
    private final long writeTimeoutNanos;
    private final long pressureWriteTimeoutNanos;
    private final long sweepPeriodNanos;
    private final OwnEndpoints ownEndpoints = new OwnEndpoints();
    private final List<DatagramEcho> datagramEchoes = new ArrayList<>();
    private boolean leaveListenersOpen; // inherited sockets: see Acceptor.leaveOpen()
    private SourceRateLimit udpRateLimit; // shared by every UDP socket: the limit is per source, server-wide

    private long nowNanos = System.nanoTime();
    private boolean clockFresh;
    private long nextSweepNanos;
    private boolean shuttingDown;
    private boolean endWithLastConnection; // serving one inherited connection: its end ends the loop
    private long drainDeadlineNanos;
    private long heartbeatPeriodNanos; // 0: no turn just to beat (an idle reactor blocks in select)
    private volatile Throwable failure;

    /**
     * The seed of the jitters and slice sizes, derived from {@code --fault-seed}: one-to-one, so two
     * seeds never share a stream, and never the seed itself, which {@link FaultPlan}'s draws use.
     */
    static long faultRandomSeed(long faultSeed) {
        return faultSeed ^ 0x5DEECE66DL;
    }

    /**
     * @param listeners         the listening sockets this reactor accepts on (maybe none)
     * @param tlsListeners      those of them whose connections speak TLS ({@code config.tls()} is then set)
     * @param outputBudgetBytes this reactor's share of {@code --max-output-memory}
     */
    Reactor(ServerConfig config, List<ServerSocketChannel> listeners, Set<ServerSocketChannel> tlsListeners,
            ServerMetrics metrics, ReactorGroup group, long outputBudgetBytes) throws IOException {
        this.config = Objects.requireNonNull(config, "config");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.group = Objects.requireNonNull(group, "group");
        this.idleTimeoutNanos = config.idleTimeout().toNanos();
        this.writeTimeoutNanos = config.writeTimeout().toNanos();
        this.pressureWriteTimeoutNanos = config.pressureWriteTimeout().toNanos();
        this.sweepPeriodNanos = sweepPeriodNanos(idleTimeoutNanos, writeTimeoutNanos);
        this.nextSweepNanos = nowNanos + sweepPeriodNanos;
        this.faultPlan = group.faultPlan();
        this.faultRandom = new SplittableRandom(faultRandomSeed(config.faultSeed()));
        this.outputBuffers = new BufferPool(config.highWaterBytes(), outputBudgetBytes, 16, metrics);
        this.acceptors = new Acceptor[listeners.size()];
        for (int i = 0; i < acceptors.length; i++) {
            acceptors[i] = new Acceptor(this, listeners.get(i), tlsListeners.contains(listeners.get(i)));
        }
        if (!tlsListeners.isEmpty() && config.tls() == null) {
            throw new IllegalArgumentException("a TLS listener needs the TLS configuration (certificate)");
        }
        this.tls = config.tls() == null ? null : new TlsEndpoint(config.tls(), metrics.tls());
        initializeJdkIo();
        this.selector = Selector.open();
        try {
            this.readBuffer = ByteBuffer.allocateDirect(config.readBufferBytes());
            for (int i = 0; i < acceptors.length; i++) {
                listeners.get(i).configureBlocking(false);
                acceptors[i].register(selector);
            }
        } catch (Throwable e) {
            closeSelector();
            throw e;
        }
    }

    /**
     * Runs the JDK's channel-write path once through a pipe. On JDK 17 the first socket
     * write initializes {@code sun.nio.ch.FileDispatcherImpl}, which opens a descriptor;
     * if that first write came when descriptors had run out (EMFILE), the class would stay
     * unusable and every later write and close would fail, ending the reactor. Doing it here
     * costs two descriptors for a moment at start.
     */
    private static void initializeJdkIo() throws IOException {
        Pipe pipe = Pipe.open();
        try (Pipe.SinkChannel sink = pipe.sink(); Pipe.SourceChannel source = pipe.source()) {
            sink.write(ByteBuffer.wrap(new byte[1]));
            source.read(ByteBuffer.allocate(1));
        }
    }

    /**
     * Serves UDP echo on {@code channel}, any bound datagram channel: one bound next to a TCP
     * listener, or one inherited from a super-server. Call it before the reactor thread starts
     * or on that thread. The reactor closes the channel when it shuts down.
     */
    void serveDatagrams(DatagramChannel channel) throws IOException {
        if (udpRateLimit == null && config.udpRatePerSecond() > 0) {
            udpRateLimit = new SourceRateLimit(config.udpRatePerSecond(), ThreadLocalRandom.current().nextInt(), System.nanoTime());
        }
        DatagramEcho echo = new DatagramEcho(channel, metrics, ownEndpoints, udpRateLimit);
        if (leaveListenersOpen) {
            echo.leaveOpen();
        }
        echo.register(selector);
        datagramEchoes.add(echo);
    }

    /** Runs {@code task} on the reactor thread, soon. Safe from any thread. */
    void execute(Runnable task) {
        tasks.offer(task);
        if (!awake.get() && awake.compareAndSet(false, true)) {
            selector.wakeup();
        }
    }

    /** Counts down when the loop has ended and every channel is closed. */
    boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return terminated.await(timeout, unit);
    }

    /** The unexpected error that ended the loop, or null. */
    Throwable failure() {
        return failure;
    }

    @Override
    public void run() {
        try {
            while (true) {
                tasks.drain(runTask, TASKS_PER_TURN);
                if (finished()) {
                    break;
                }
                if (!budgetPaused.isEmpty()) {
                    wakeBudgetPaused();
                }
                select();
                clearInterrupt();
                runTimers();
                heartbeat.beat(nowNanos);
            }
        } catch (IOException | RuntimeException e) {
            failure = e;
            LOG.log(Level.ERROR, "reactor stopped by an unexpected failure", e);
        } catch (Error e) {
            failure = e; // the thread's uncaught-exception handler prints it
            throw e;
        } finally {
            try {
                closeEverything();
            } catch (RuntimeException e) {
                closingFailed(e);
            } catch (Error e) {
                closingFailed(e);
                throw e;
            } finally {
                terminated.countDown(); // even if closing failed: whoever waits must learn the loop ended
            }
        }
    }

    /** Closing failed after the loop ended: the server stopped by a failure, even if the loop had ended cleanly. */
    private void closingFailed(Throwable e) {
        if (failure == null) {
            failure = e;
        } else if (failure != e) {
            failure.addSuppressed(e);
        }
        try {
            LOG.log(Level.ERROR, "closing the reactor's channels failed", e);
        } catch (RuntimeException logFailed) { // the log itself may be what failed; the failure is kept
            e.addSuppressed(logFailed);
        }
    }

    /** Turns at least every {@code periodNanos}, idle or not, so that the heartbeat stays young; reactor thread. */
    void beatEvery(long periodNanos) {
        heartbeatPeriodNanos = periodNanos;
    }

    /** How long ago the loop last completed a turn; from any thread. */
    long heartbeatAgeNanos() {
        return heartbeat.ageNanos(System.nanoTime());
    }

    /** True once the loop has ended: a task sent now would never run. */
    boolean terminated() {
        return terminated.getCount() == 0;
    }

    private void select() throws IOException {
        clockFresh = false;
        if (!tasks.isEmpty()) {
            selector.selectNow(dispatch);
            return;
        }
        awake.set(false);
        try {
            if (tasks.isEmpty()) {
                selector.select(dispatch, selectTimeoutMillis());
            } else {
                selector.selectNow(dispatch);
            }
        } finally {
            awake.lazySet(true);
        }
    }

    private void dispatch(SelectionKey key) {
        if (!clockFresh) {
            nowNanos = System.nanoTime();
            clockFresh = true;
        }
        ChannelHandler handler = (ChannelHandler) key.attachment();
        try {
            handler.ready(key);
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "unexpected failure in " + handler, e);
            handler.close(CloseCause.ERROR);
        }
    }

    private void runTask(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "reactor task failed", e);
        }
    }

    /**
     * An interrupt makes every later select return at once until it is cleared. Nothing
     * here blocks on a channel (all are non-blocking, so none is closed by it), so the
     * reactor clears the flag, says so, and carries on serving.
     */
    private void clearInterrupt() {
        if (Thread.interrupted()) {
            LOG.log(Level.WARNING, "reactor thread was interrupted: interrupt cleared, still serving");
        }
    }

    /** Wakes the waiters at the head of the queue whose need the budget covers now (closed ones are dropped). */
    private void wakeBudgetPaused() {
        for (PeerConnection waiting = budgetPaused.peekFirst(); waiting != null; waiting = budgetPaused.peekFirst()) {
            if (!waiting.isClosed() && waiting.budgetNeedBytes() > outputBuffers.availableBytes()) {
                return;
            }
            budgetPaused.pollFirst();
            waiting.resumeAfterBudget();
        }
    }

    /**
     * {@code connection} stopped reading until the output budget can cover its need. While
     * anyone waits, the sweep runs often enough to apply the pressure write timeout.
     */
    void pausedForBudget(PeerConnection connection) {
        budgetPaused.addLast(connection);
        if (pressureWriteTimeoutNanos > 0) {
            nextSweepNanos = Math.min(nextSweepNanos, nowNanos + pressureSweepPeriodNanos(pressureWriteTimeoutNanos));
        }
    }

    /**
     * The write timeout in force: while connections wait for output memory, the shorter
     * pressure timeout, so that peers that stopped reading give back what they hold (Redis's
     * output-buffer soft limit, applied when memory is short); otherwise {@code --write-timeout}.
     * 0 when off.
     */
    private long effectiveWriteTimeoutNanos() {
        if (budgetPaused.isEmpty() || pressureWriteTimeoutNanos == 0) {
            return writeTimeoutNanos;
        }
        return writeTimeoutNanos == 0 ? pressureWriteTimeoutNanos : Math.min(writeTimeoutNanos, pressureWriteTimeoutNanos);
    }

    /** The sweep period while connections wait for output memory: a quarter of the pressure timeout, at least 10 ms. */
    static long pressureSweepPeriodNanos(long pressureWriteTimeoutNanos) {
        return Math.max(TimeUnit.MILLISECONDS.toNanos(10), pressureWriteTimeoutNanos / 4);
    }

    /**
     * When the sweep after the one at {@code nowNanos} runs: one sweep period on, or one of the
     * pressure timeout's if both timeouts are off; under pressure the shorter of the two.
     */
    static long nextSweepNanos(long nowNanos, long sweepPeriodNanos, boolean underPressure, long pressureWriteTimeoutNanos) {
        long period = sweepPeriodNanos > 0 ? sweepPeriodNanos : pressureSweepPeriodNanos(pressureWriteTimeoutNanos);
        return nowNanos + (underPressure ? Math.min(period, pressureSweepPeriodNanos(pressureWriteTimeoutNanos)) : period);
    }

    private void runTimers() {
        nowNanos = System.nanoTime();
        for (Acceptor acceptor : acceptors) {
            acceptor.onTimer(nowNanos);
        }
        if (!timers.isEmpty()) {
            timers.fire(nowNanos);
        }
        boolean underPressure = !budgetPaused.isEmpty() && pressureWriteTimeoutNanos > 0;
        if ((sweepPeriodNanos > 0 || underPressure) && nowNanos - nextSweepNanos >= 0) {
            nextSweepNanos = nextSweepNanos(nowNanos, sweepPeriodNanos, underPressure, pressureWriteTimeoutNanos);
            long stalledNanos = effectiveWriteTimeoutNanos();
            for (PeerConnection connection : connections()) {
                if (idleTimeoutNanos > 0) {
                    connection.closeIfIdle(nowNanos, idleTimeoutNanos);
                }
                if (stalledNanos > 0) {
                    connection.closeIfWriteStalled(nowNanos, stalledNanos);
                }
            }
        }
        if (shuttingDown && nowNanos - drainDeadlineNanos >= 0) {
            List<PeerConnection> owing = connections();
            if (!owing.isEmpty()) {
                LOG.log(Level.WARNING, "drain timeout: closing " + owing.size()
                        + (owing.size() == 1 ? " connection that still owes" : " connections that still owe") + " bytes");
            }
            for (PeerConnection connection : owing) {
                connection.close(CloseCause.SHUTDOWN);
            }
        }
    }

    private long selectTimeoutMillis() {
        long next = Long.MAX_VALUE;
        for (Acceptor acceptor : acceptors) {
            next = Math.min(next, acceptor.resumeAtNanos());
        }
        if (sweepPeriodNanos > 0 || (!budgetPaused.isEmpty() && pressureWriteTimeoutNanos > 0)) {
            next = Math.min(next, nextSweepNanos);
        }
        if (shuttingDown) {
            next = Math.min(next, drainDeadlineNanos);
        }
        if (!timers.isEmpty()) {
            next = Math.min(next, timers.nextNanos());
        }
        if (heartbeatPeriodNanos > 0) {
            next = Math.min(next, nowNanos + heartbeatPeriodNanos);
        }
        return selectTimeoutMillis(next, System.nanoTime());
    }

    /**
     * The select timeout for the earliest deadline {@code nextNanos}: 0 (block) when there is
     * none, else the wait rounded up to the next whole millisecond after it, at least 1 ms.
     */
    static long selectTimeoutMillis(long nextNanos, long nowNanos) {
        if (nextNanos == Long.MAX_VALUE) {
            return 0; // block until a key is ready or a task arrives
        }
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(nextNanos - nowNanos) + 1);
    }

    /**
     * One sweep serves both timeouts, every quarter of the shorter one (at least 10 ms): a
     * connection is closed between 1 and 1.25 timeouts after its last input or write
     * progress. 0 when both are off.
     */
    static long sweepPeriodNanos(long idleTimeoutNanos, long writeTimeoutNanos) {
        long shortest = Long.MAX_VALUE;
        if (idleTimeoutNanos > 0) {
            shortest = idleTimeoutNanos;
        }
        if (writeTimeoutNanos > 0) {
            shortest = Math.min(shortest, writeTimeoutNanos);
        }
        return shortest == Long.MAX_VALUE ? 0 : Math.max(TimeUnit.MILLISECONDS.toNanos(10), shortest / 4);
    }

    /** Begins a graceful shutdown: stop accepting and reading, send what is owed, close. */
    void beginShutdown() {
        if (shuttingDown) {
            return;
        }
        shuttingDown = true;
        drainDeadlineNanos = System.nanoTime() + config.drainTimeout().toNanos();
        closeAcceptors();
        closeDatagramEchoes();
        for (PeerConnection connection : connections()) {
            connection.beginShutdown();
        }
        group.shutdownBegun(this);
    }

    private boolean finished() {
        return (shuttingDown || endWithLastConnection) && metrics.active == 0;
    }

    /**
     * Serves {@code channel}, a connection a super-server handed over (systemd {@code Accept=yes},
     * inetd {@code nowait}), as if it had been accepted; the loop ends when it closes. Call
     * before the reactor thread starts, on a reactor without listeners.
     */
    void serveOnly(SocketChannel channel) throws IOException {
        if (acceptors.length != 0) {
            throw new IllegalStateException("a reactor with listeners serves more than one connection");
        }
        channel.configureBlocking(false);
        adopt(channel, tls != null);
        endWithLastConnection = true;
    }

    /**
     * Takes a freshly accepted channel: rejects it over the connection limit, else draws its
     * faults and serves it here or hands it to the next reactor of the group; over TLS when
     * {@code overTls} (it came from a TLS listener).
     */
    void adopt(SocketChannel channel, boolean overTls) throws IOException {
        if (!group.limit().tryAcquire()) {
            metrics.accepted++;
            metrics.countClose(CloseCause.REJECTED);
            channel.close();
            if (LOG.isLoggable(Level.DEBUG)) {
                LOG.log(Level.DEBUG, "connection rejected: " + config.maxConnections() + " already open");
            }
            return;
        }
        List<FaultSpec> drawn = faultPlan.isEmpty() ? List.of() : faultPlan.draw();
        SplittableRandom random = drawn.isEmpty() ? null : faultRandom.split();
        Reactor target = group.next(this);
        if (target == this) {
            serve(channel, overTls, drawn, random);
        } else {
            target.execute(() -> target.adoptHandedOff(channel, overTls, drawn, random));
        }
    }

    /** Registers a channel the group's acceptor handed to this reactor (its slot already taken). */
    private void adoptHandedOff(SocketChannel channel, boolean overTls, List<FaultSpec> drawn, SplittableRandom random) {
        if (shuttingDown) { // cannot happen while the first reactor forwards the shutdown; a guard
            metrics.accepted++;
            metrics.countClose(CloseCause.SHUTDOWN);
            group.limit().release();
            Acceptor.closeQuietly(channel);
            return;
        }
        try {
            serve(channel, overTls, drawn, random);
        } catch (IOException e) {
            Acceptor.setupFailed(metrics, channel, e);
        }
    }

    /** Registers a channel that holds a connection slot; gives the slot back if that fails. */
    private void serve(SocketChannel channel, boolean overTls, List<FaultSpec> drawn, SplittableRandom random)
            throws IOException {
        Connection connection = null;
        try {
            if (config.sendBufferBytes() > 0) {
                channel.setOption(StandardSocketOptions.SO_SNDBUF, config.sendBufferBytes());
            }
            if (overTls) {
                new TlsConnection(this, tls, channel).register(selector); // no faults over TLS (yet)
            } else {
                connection = new Connection(this, channel);
                connection.register(selector);
            }
        } catch (IOException | RuntimeException e) {
            group.limit().release();
            throw e;
        }
        metrics.accepted++;
        metrics.active++;
        if (connection != null && !drawn.isEmpty()) {
            injectFaults(connection, drawn, random);
        }
    }

    /**
     * Ends a connection of this reactor (plain or TLS) with {@code cause}, once it has given back
     * its buffers: cancels {@code key}, closes {@code channel}, frees its slot, counts the close,
     * and writes one line to {@code log}: ERROR with {@code failure}'s stack trace when the cause
     * is unexpected, else DEBUG.
     */
    void connectionClosed(System.Logger log, SelectionKey key, SocketChannel channel, String remote, CloseCause cause,
                          Throwable failure, String detail) {
        key.cancel();
        try {
            channel.close();
        } catch (IOException e) {
            log.log(Level.ERROR, "closing connection " + remote + " failed", e);
        }
        metrics.active--;
        group.limit().release();
        metrics.countClose(cause);
        if (!cause.expected()) {
            log.log(Level.ERROR, "connection " + remote + " closed: " + cause.tag() + (detail == null ? "" : " (" + detail + ")"),
                    failure);
        } else if (log.isLoggable(Level.DEBUG)) {
            log.log(Level.DEBUG, "connection " + remote + " closed: " + cause.tag() + (detail == null ? "" : " (" + detail + ")"));
        }
    }

    /** Applies the faults drawn for a new connection; counts and logs them. */
    private void injectFaults(Connection connection, List<FaultSpec> drawn, SplittableRandom random) {
        ConnectionFaults faults = new ConnectionFaults(drawn, System.nanoTime(), random);
        for (FaultSpec spec : drawn) {
            metrics.countFault(spec.kind());
        }
        if (LOG.isLoggable(Level.DEBUG)) {
            LOG.log(Level.DEBUG, connection + ": faults " + faults.description());
        }
        connection.injectFaults(faults);
    }

    /** The faults new connections draw from (the admin endpoint replaces its specs). */
    FaultPlan faultPlan() {
        return faultPlan;
    }

    TimerQueue timers() {
        return timers;
    }

    private List<PeerConnection> connections() {
        List<PeerConnection> result = new ArrayList<>();
        for (SelectionKey key : selector.keys()) {
            if (key.isValid() && key.attachment() instanceof PeerConnection) {
                result.add((PeerConnection) key.attachment());
            }
        }
        return result;
    }

    private void closeEverything() {
        try {
            for (PeerConnection connection : connections()) {
                connection.close(CloseCause.SHUTDOWN);
            }
            if (tls != null) {
                tls.close();
            }
        } finally {
            try {
                closeAcceptors();
                closeDatagramEchoes();
            } finally {
                closeSelector();
            }
        }
    }

    private void closeAcceptors() {
        for (Acceptor acceptor : acceptors) {
            acceptor.close();
        }
    }

    /** Stops serving UDP: a datagram has nothing owed, so shutdown closes its sockets at once. */
    private void closeDatagramEchoes() {
        for (DatagramEcho echo : datagramEchoes) {
            echo.close(CloseCause.SHUTDOWN);
        }
    }

    /** Closes the selector; for a reactor whose thread never started (a failed start) too. */
    void closeSelector() {
        try {
            selector.close();
        } catch (IOException e) {
            LOG.log(Level.ERROR, "closing the selector failed", e);
        }
    }

    /** At shutdown, stop accepting but leave the listening sockets open (inherited ones: see {@link Acceptor#leaveOpen()}). */
    void leaveListenersOpen() {
        leaveListenersOpen = true;
        for (Acceptor acceptor : acceptors) {
            acceptor.leaveOpen();
        }
        for (DatagramEcho echo : datagramEchoes) {
            echo.leaveOpen();
        }
    }

    void pauseAccepting() {
        for (Acceptor acceptor : acceptors) {
            acceptor.pauseByRequest();
        }
    }

    /** The acceptor of listening socket {@code index}, for tests in this package. */
    Acceptor acceptor(int index) {
        return acceptors[index];
    }

    void resumeAccepting() {
        for (Acceptor acceptor : acceptors) {
            acceptor.resumeByRequest();
        }
    }

    ServerConfig config() {
        return config;
    }

    ServerMetrics metrics() {
        return metrics;
    }

    ByteBuffer readBuffer() {
        return readBuffer;
    }

    BufferPool outputBuffers() {
        return outputBuffers;
    }

    long nowNanos() {
        return nowNanos;
    }
}
