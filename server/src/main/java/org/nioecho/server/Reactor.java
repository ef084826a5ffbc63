package org.nioecho.server;

import org.jctools.queues.MessagePassingQueue;
import org.jctools.queues.MpscUnboundedArrayQueue;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The event loop: one thread, one {@link Selector}. Each ready key's attachment (a
 * {@link ChannelHandler}) is called in turn; timers (accept back-off, idle sweep, drain
 * deadline) bound the select timeout.
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

    private final ServerConfig config;
    private final ServerMetrics metrics;
    private final Selector selector;
    private final Acceptor acceptor;
    private final ByteBuffer readBuffer;
    private final BufferPool outputBuffers;
    private final MessagePassingQueue<Runnable> tasks = new MpscUnboundedArrayQueue<>(256);
    private final AtomicBoolean awake = new AtomicBoolean(true);
    private final Consumer<SelectionKey> dispatch = this::dispatch;
    private final MessagePassingQueue.Consumer<Runnable> runTask = this::runTask;
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final long idleTimeoutNanos;

    private long nowNanos = System.nanoTime();
    private boolean clockFresh;
    private long nextIdleSweepNanos;
    private boolean shuttingDown;
    private long drainDeadlineNanos;
    private volatile Throwable failure;

    Reactor(ServerConfig config, ServerSocketChannel listener, ServerMetrics metrics) throws IOException {
        this.config = Objects.requireNonNull(config, "config");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.selector = Selector.open();
        this.readBuffer = ByteBuffer.allocateDirect(config.readBufferBytes());
        this.outputBuffers = new BufferPool(config.highWaterBytes(), 64);
        this.idleTimeoutNanos = config.idleTimeout().toNanos();
        this.nextIdleSweepNanos = nowNanos + idleSweepPeriodNanos();
        this.acceptor = new Acceptor(this, listener);
        listener.configureBlocking(false);
        acceptor.register(selector);
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
                select();
                clearInterrupt();
                runTimers();
            }
        } catch (IOException | RuntimeException e) {
            failure = e;
            LOG.log(Level.ERROR, "reactor stopped by an unexpected failure", e);
        } catch (Error e) {
            failure = e; // the thread's uncaught-exception handler prints it
            throw e;
        } finally {
            closeEverything();
            terminated.countDown();
        }
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

    private void runTimers() {
        nowNanos = System.nanoTime();
        acceptor.onTimer(nowNanos);
        if (idleTimeoutNanos > 0 && nowNanos - nextIdleSweepNanos >= 0) {
            nextIdleSweepNanos = nowNanos + idleSweepPeriodNanos();
            for (Connection connection : connections()) {
                connection.closeIfIdle(nowNanos, idleTimeoutNanos);
            }
        }
        if (shuttingDown && nowNanos - drainDeadlineNanos >= 0) {
            List<Connection> owing = connections();
            if (!owing.isEmpty()) {
                LOG.log(Level.WARNING, "drain timeout: closing " + owing.size() + " connections that still owe bytes");
            }
            for (Connection connection : owing) {
                connection.close(CloseCause.SHUTDOWN);
            }
        }
    }

    private long selectTimeoutMillis() {
        long next = Long.MAX_VALUE;
        long resume = acceptor.resumeAtNanos();
        if (resume != Long.MAX_VALUE) {
            next = resume;
        }
        if (idleTimeoutNanos > 0) {
            next = Math.min(next, nextIdleSweepNanos);
        }
        if (shuttingDown) {
            next = Math.min(next, drainDeadlineNanos);
        }
        if (next == Long.MAX_VALUE) {
            return 0; // block until a key is ready or a task arrives
        }
        long waitNanos = next - System.nanoTime();
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(waitNanos) + 1);
    }

    private long idleSweepPeriodNanos() {
        return Math.max(TimeUnit.MILLISECONDS.toNanos(10), idleTimeoutNanos / 4);
    }

    /** Begins a graceful shutdown: stop accepting and reading, send what is owed, close. */
    void beginShutdown() {
        if (shuttingDown) {
            return;
        }
        shuttingDown = true;
        drainDeadlineNanos = System.nanoTime() + config.drainTimeout().toNanos();
        acceptor.close();
        for (Connection connection : connections()) {
            connection.beginShutdown();
        }
    }

    private boolean finished() {
        return shuttingDown && metrics.active == 0;
    }

    /** Registers a freshly accepted channel, or rejects it over the connection limit. */
    void adopt(SocketChannel channel) throws IOException {
        if (metrics.active >= config.maxConnections()) {
            metrics.accepted++;
            metrics.countClose(CloseCause.REJECTED);
            channel.close();
            if (LOG.isLoggable(Level.DEBUG)) {
                LOG.log(Level.DEBUG, "connection rejected: " + config.maxConnections() + " already open");
            }
            return;
        }
        Connection connection = new Connection(this, channel);
        connection.register(selector);
        metrics.accepted++;
        metrics.active++;
    }

    private List<Connection> connections() {
        List<Connection> result = new ArrayList<>();
        for (SelectionKey key : selector.keys()) {
            if (key.isValid() && key.attachment() instanceof Connection) {
                result.add((Connection) key.attachment());
            }
        }
        return result;
    }

    private void closeEverything() {
        for (Connection connection : connections()) {
            connection.close(CloseCause.SHUTDOWN);
        }
        acceptor.close();
        try {
            selector.close();
        } catch (IOException e) {
            LOG.log(Level.ERROR, "closing the selector failed", e);
        }
    }

    void pauseAccepting() {
        acceptor.pauseByRequest();
    }

    void resumeAccepting() {
        acceptor.resumeByRequest();
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
