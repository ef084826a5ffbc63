package org.nioecho.server;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * What a reactor's TLS connections share: the configuration, the counters, the reactor's
 * plaintext scratch buffer (one record's worth: a record is decrypted into it and encrypted
 * again at once) and the executor of the engines' delegated tasks.
 *
 * <p>Delegated tasks (the handshake's key exchange and signature, a millisecond or so each)
 * run on {@value #TASK_THREADS} daemon thread(s) with a queue of {@value #TASK_QUEUE}; the
 * connection stops being read meanwhile, and the thread hands it back through the reactor's
 * task queue. When the queue is full, the task runs on the reactor thread (bounded either
 * way: a flood of handshakes slows accepts, it does not grow a queue). No thread per
 * handshake.
 */
final class TlsEndpoint implements AutoCloseable {
    static final int TASK_THREADS = 1;
    static final int TASK_QUEUE = 1024;

    private final TlsConfig config;
    private final TlsMetrics metrics;
    private final ByteBuffer plain;
    private final int packetBytes;
    private final ThreadPoolExecutor tasks;

    TlsEndpoint(TlsConfig config, TlsMetrics metrics) {
        this.config = config;
        this.metrics = metrics;
        SSLSession probe = config.newEngine().getSession();
        this.packetBytes = probe.getPacketBufferSize();
        this.plain = ByteBuffer.allocate(probe.getApplicationBufferSize());
        this.tasks = new ThreadPoolExecutor(TASK_THREADS, TASK_THREADS, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(TASK_QUEUE), runnable -> {
                    Thread thread = new Thread(runnable, "nioecho-tls-task");
                    thread.setDaemon(true);
                    return thread;
                });
    }

    SSLEngine newEngine() {
        return config.newEngine();
    }

    TlsMetrics metrics() {
        return metrics;
    }

    long handshakeTimeoutNanos() {
        return config.handshakeTimeout().toNanos();
    }

    /** The largest TLS record on the wire: the least room a wrap needs. */
    int packetBytes() {
        return packetBytes;
    }

    /** The reactor's plaintext scratch buffer (reactor thread only). */
    ByteBuffer plain() {
        return plain;
    }

    /** Runs {@code work} on the task thread; false if the queue is full (then the caller runs it). */
    boolean offload(Runnable work) {
        try {
            tasks.execute(work);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    Executor executor() {
        return tasks;
    }

    @Override
    public void close() {
        tasks.shutdownNow();
    }
}
