package org.nioecho.bench;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * The comparison's TLS load, in the comparing process: blocking {@link SSLSocket}s, TLS 1.3
 * only with {@value #SUITE} only, trusting only the run's certificate.
 *
 * <ul>
 *   <li>{@link #handshakes}: N threads, each in a loop connects, does a full handshake (a new
 *       client context per connection, so its session cache is empty: no resumption), echoes
 *       one byte (proof that the server finished the handshake and serves) and closes with
 *       {@code close_notify}.</li>
 *   <li>{@link #stream}: K connections, each with a writer thread streaming chunks of a fixed
 *       pseudo-random pattern and a reader thread checking every echoed byte against it;
 *       after the window the reader waits for every written byte.</li>
 * </ul>
 * A wrong echoed byte, or echo missing at the end, throws {@link EchoMismatchException}: the
 * run has no figure. Other I/O failures (reset, refused, timeout) are counted.
 */
final class TlsLoad {
    static final String PROTOCOL = "TLSv1.3";
    static final String SUITE = "TLS_AES_128_GCM_SHA256";
    private static final int CONNECT_TIMEOUT_MS = 5_000;
    private static final int READ_TIMEOUT_MS = 10_000;
    private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(15);
    private static final int PATTERN_PERIOD = 65_521; // prime: chunk boundaries never line up with it
    private static final int MAX_CHUNK = 64 * 1024;

    /** A wrong or missing echo: the measurement is void. */
    static final class EchoMismatchException extends IOException {
        EchoMismatchException(String message) {
            super(message);
        }
    }

    /** Reads the server's CPU seconds so far (its process tree, from /proc). */
    @FunctionalInterface
    interface CpuClock {
        double cpuSeconds() throws IOException;
    }

    /**
     * What one measured window saw.
     *
     * @param operations       handshakes completed, or bytes echoed back and checked
     * @param seconds          the window's length
     * @param serverCpuSeconds the server's CPU time in the window
     * @param errors           connections that failed with an I/O error (not a wrong echo)
     * @param firstError       the first such error, or empty
     */
    record Window(long operations, double seconds, double serverCpuSeconds, long errors, String firstError) {
        double perSecond() {
            return operations / seconds;
        }
    }

    private final InetSocketAddress address;
    private final TrustManager[] trust;
    private final CpuClock serverCpu;

    TlsLoad(InetSocketAddress address, TrustManager[] trust, CpuClock serverCpu) {
        this.address = Objects.requireNonNull(address, "address");
        this.trust = trust.clone();
        this.serverCpu = Objects.requireNonNull(serverCpu, "serverCpu");
    }

    /** Full handshakes (each followed by a one-byte echo) on {@code connections} threads. */
    Window handshakes(int connections, Duration warmup, Duration duration) throws IOException, InterruptedException {
        Run run = new Run();
        for (int i = 0; i < connections; i++) {
            byte probe = (byte) ('a' + i % 26);
            run.start("tls-handshake-" + i, () -> {
                while (!run.stopped) {
                    try (SSLSocket tls = connect(run, false)) {
                        OutputStream out = tls.getOutputStream();
                        out.write(probe);
                        out.flush();
                        int echoed = tls.getInputStream().read();
                        if (echoed != (probe & 0xff)) {
                            throw new EchoMismatchException("TLS echo after a handshake: sent byte " + (probe & 0xff) + ", got "
                                    + (echoed < 0 ? "EOF" : "byte " + echoed));
                        }
                        run.done.increment();
                    }
                }
            });
        }
        return run.measure(warmup, duration);
    }

    /** {@code chunkBytes} writes streamed and echoed on each of {@code connections} connections. */
    Window stream(int connections, int chunkBytes, Duration warmup, Duration duration) throws IOException, InterruptedException {
        if (chunkBytes < 1 || chunkBytes > MAX_CHUNK) {
            throw new IllegalArgumentException("chunk of 1.." + MAX_CHUNK + " bytes");
        }
        byte[] pattern = new byte[PATTERN_PERIOD + 2 * MAX_CHUNK];
        new SplittableRandom(14).nextBytes(pattern);
        System.arraycopy(pattern, 0, pattern, PATTERN_PERIOD, 2 * MAX_CHUNK); // a slice from any offset < period is contiguous
        Run run = new Run();
        for (int i = 0; i < connections; i++) {
            int connection = i;
            run.start("tls-stream-" + i, () -> {
                Progress progress = new Progress();
                Thread reader;
                try (SSLSocket tls = connect(run, true)) {
                    reader = new Thread(() -> run.guard(() -> readEchoes(tls, pattern, progress, run)), "tls-stream-read-" + connection);
                    reader.setDaemon(true);
                    reader.start();
                    OutputStream out = tls.getOutputStream();
                    while (!run.stopped) {
                        out.write(pattern, (int) (progress.written() % PATTERN_PERIOD), chunkBytes);
                        progress.wrote(chunkBytes);
                    }
                    progress.awaitEcho(READ_TIMEOUT_MS);
                } // closing ends the reader's last read
                reader.join(JOIN_TIMEOUT.toMillis());
            });
        }
        return run.measure(warmup, duration);
    }

    /** One stream connection's bytes written and read back, shared by its writer and reader. */
    private static final class Progress {
        private long written;
        private long read;
        private boolean writerDone;
        private boolean readerFailed;

        synchronized long written() {
            return written;
        }

        synchronized void wrote(int bytes) {
            written += bytes;
        }

        synchronized void readBack(int bytes) {
            read += bytes;
            notifyAll();
        }

        /** Whether the writer is done and every byte it wrote is back: the reader may stop. */
        synchronized boolean complete() {
            return writerDone && read == written;
        }

        synchronized void readerFailed() {
            readerFailed = true;
            notifyAll();
        }

        /** After the last write: waits until every written byte is back, else the echo is short. */
        synchronized void awaitEcho(long timeoutMs) throws InterruptedException, EchoMismatchException {
            writerDone = true;
            long deadline = System.nanoTime() + timeoutMs * 1_000_000;
            while (read < written && !readerFailed && System.nanoTime() < deadline) {
                wait(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            }
            if (read < written && !readerFailed) {
                throw new EchoMismatchException("TLS stream echo: " + (written - read) + " of " + written
                        + " bytes never came back within " + timeoutMs + " ms");
            }
        }
    }

    /** Reads and checks the echo until the writer is done and every written byte is back. */
    private static void readEchoes(SSLSocket tls, byte[] pattern, Progress progress, Run run) throws IOException {
        InputStream in = tls.getInputStream();
        byte[] buffer = new byte[MAX_CHUNK];
        long read = 0;
        while (true) {
            int n;
            try {
                n = in.read(buffer);
            } catch (IOException e) {
                if (progress.complete()) {
                    return; // the writer closed the socket once all was back
                }
                progress.readerFailed();
                if (e instanceof java.net.SocketTimeoutException) {
                    throw new EchoMismatchException("TLS stream echo: nothing for " + READ_TIMEOUT_MS + " ms after " + read + " bytes back");
                }
                throw e;
            }
            if (n < 0) {
                if (progress.complete()) {
                    return;
                }
                progress.readerFailed();
                throw new EchoMismatchException("TLS stream echo: EOF after " + read + " bytes back");
            }
            int at = (int) (read % PATTERN_PERIOD);
            int mismatch = Arrays.mismatch(buffer, 0, n, pattern, at, at + n);
            if (mismatch >= 0) {
                progress.readerFailed();
                throw new EchoMismatchException("TLS stream echo: wrong byte at offset " + (read + mismatch));
            }
            read += n;
            run.done.add(n);
            progress.readBack(n);
        }
    }

    /** A TLS 1.3 connection with its handshake done; {@code track}ed ones are closed when the run ends. */
    private SSLSocket connect(Run run, boolean track) throws IOException {
        Socket raw = new Socket();
        try {
            raw.setTcpNoDelay(true);
            raw.connect(address, CONNECT_TIMEOUT_MS);
            raw.setSoTimeout(READ_TIMEOUT_MS);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust, null);
            SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(raw, "localhost", address.getPort(), true);
            if (track) {
                run.sockets.add(tls);
            }
            tls.setEnabledProtocols(new String[] {PROTOCOL});
            tls.setEnabledCipherSuites(new String[] {SUITE});
            tls.startHandshake();
            return tls;
        } catch (GeneralSecurityException e) {
            raw.close();
            throw new IOException("TLS client context: " + e.getMessage(), e);
        } catch (IOException e) {
            raw.close();
            throw e;
        }
    }

    /** The threads of one measurement, their counters and the first failure. */
    private final class Run {
        final LongAdder done = new LongAdder();
        final LongAdder errors = new LongAdder();
        final AtomicReference<String> firstError = new AtomicReference<>();
        final AtomicReference<EchoMismatchException> mismatch = new AtomicReference<>();
        final ConcurrentLinkedQueue<Socket> sockets = new ConcurrentLinkedQueue<>();
        final List<Thread> threads = new ArrayList<>();
        volatile boolean stopped;

        interface Body {
            void run() throws IOException, InterruptedException;
        }

        void start(String name, Body body) {
            Thread thread = new Thread(() -> {
                while (!stopped) {
                    guard(body);
                }
            }, name);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }

        /** Runs {@code body}, sorting its failure: a wrong echo stops the run, an I/O failure is counted. */
        void guard(Body body) {
            try {
                body.run();
            } catch (EchoMismatchException e) {
                mismatch.compareAndSet(null, e);
                stopped = true;
            } catch (IOException e) {
                if (!stopped) {
                    errors.increment();
                    firstError.compareAndSet(null, e.getClass().getSimpleName() + ": " + e.getMessage());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stopped = true;
            }
        }

        Window measure(Duration warmup, Duration duration) throws IOException, InterruptedException {
            try {
                Thread.sleep(warmup.toMillis()); // the load's own schedule, not synchronisation
                long count0 = done.sum();
                long errors0 = errors.sum();
                double cpu0 = serverCpu.cpuSeconds();
                long t0 = System.nanoTime();
                Thread.sleep(duration.toMillis());
                long count1 = done.sum();
                double cpu1 = serverCpu.cpuSeconds();
                long t1 = System.nanoTime();
                long windowErrors = errors.sum() - errors0;
                stopped = true;
                for (Thread thread : threads) {
                    thread.join(JOIN_TIMEOUT.toMillis());
                }
                if (mismatch.get() != null) {
                    throw mismatch.get();
                }
                for (Thread thread : threads) {
                    if (thread.isAlive()) {
                        throw new IOException("TLS load: " + thread.getName() + " still running " + JOIN_TIMEOUT.toSeconds()
                                + " s after the window");
                    }
                }
                String first = firstError.get();
                return new Window(count1 - count0, (t1 - t0) / 1e9, cpu1 - cpu0, windowErrors, first == null ? "" : first);
            } finally {
                stopped = true;
                for (Socket socket : sockets) {
                    try {
                        socket.close();
                    } catch (IOException e) {
                        // closing what is left after the run; the run's result is already decided
                    }
                }
            }
        }
    }
}
