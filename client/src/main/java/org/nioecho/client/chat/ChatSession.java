package org.nioecho.client.chat;

import jdk.net.ExtendedSocketOptions;
import org.nioecho.client.ClientTls;
import org.nioecho.client.ErrorCause;
import org.nioecho.client.ExitCodes;
import org.nioecho.server.Units;

import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One {@code chat} run, the notes' {@code str_cli} done right: a thread copies the input to
 * the socket while another copies the socket to the output, so the client waits on both at
 * once, never deadlocks on large input, and hears at once when the server goes away. On input
 * EOF it half-closes and keeps reading until the server's EOF. The first failure ends the run
 * with one line and an exit code from {@link ExitCodes}; a premature EOF or a broken pipe
 * waits {@code 100 ms} for the other thread's "reset", the cause behind it (see {@link #defer}).
 */
final class ChatSession {
    private static final int CHUNK_BYTES = 64 * 1024;
    private static final long TICK_MS = 100;
    /** How long an EOF or a broken pipe waits at least for the other thread to report the reset behind it. */
    private static final long RESET_GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** ... and at most, even if the other thread is still inside its socket call. */
    private static final long RESET_GRACE_MAX_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final String host;
    private final int port;
    private final Duration timeout;
    private final Duration connectTimeout;
    private final ChatOptions options;
    /** Null without --tls. */
    private final ClientTls tls;
    private final InputStream in;
    private final OutputStream out;
    private final PrintWriter err;
    private final CompletableFuture<Result> result = new CompletableFuture<>();

    private volatile long bytesSent;
    private volatile long bytesEchoed;
    private volatile boolean inputDone;
    /** When an echo last arrived, or when we last started waiting for one. */
    private volatile long lastProgressNanos;
    /** A premature EOF or a broken pipe, reported only if no reset comes within the grace (see {@link #defer}). */
    private final AtomicReference<Deferred> deferred = new AtomicReference<>();

    private record Deferred(Result result, long sinceNanos, boolean fromWriter) {
    }

    /** The reader is writing to standard output (it may block there), or has ended. */
    private volatile boolean readerAway;
    /** The writer is inside a socket write (which returns at once once the connection is dead). */
    private volatile boolean writerInWrite;

    /** How the run ended: an exit code and, for failures, the line to print. */
    record Result(int exitCode, String message) {
    }

    ChatSession(ChatOptions options, InputStream in, OutputStream out, PrintWriter err) {
        this.options = Objects.requireNonNull(options, "options");
        this.host = options.host();
        this.port = options.port();
        this.timeout = options.timeout();
        this.connectTimeout = options.connectTimeout();
        this.tls = options.tls();
        this.in = Objects.requireNonNull(in, "in");
        this.out = Objects.requireNonNull(out, "out");
        this.err = Objects.requireNonNull(err, "err");
    }

    /** Runs the session to its end; prints a failure line on {@code err}; returns the exit code. */
    int run() throws IOException, InterruptedException {
        Socket socket = new Socket();
        try {
            configure(socket, options);
            Result failed = connect(socket);
            if (failed != null) {
                return report(failed);
            }
            if (tls != null) {
                SSLSocket secured = tls.layer(socket, host, port);
                socket = secured;
                failed = handshake(secured);
                if (failed != null) {
                    return report(failed);
                }
            }
            lastProgressNanos = System.nanoTime();
            Socket connected = socket;
            start("chat-input", () -> copyInput(connected));
            start("chat-output", () -> copyEchoes(connected));
            return report(awaitResult());
        } finally {
            socket.close();
        }
    }

    /** Applies the socket options: no Nagle, and keepalive with the timers {@code options} give. */
    static void configure(Socket socket, ChatOptions options) throws IOException {
        socket.setTcpNoDelay(true);
        if (options.keepaliveOn()) {
            socket.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
            Integer idle = options.keepaliveIdleSeconds();
            Integer interval = options.keepaliveIntervalSeconds();
            Integer count = options.keepaliveCount();
            if (idle != null) {
                socket.setOption(ExtendedSocketOptions.TCP_KEEPIDLE, idle);
            }
            if (interval != null) {
                socket.setOption(ExtendedSocketOptions.TCP_KEEPINTERVAL, interval);
            }
            if (count != null) {
                socket.setOption(ExtendedSocketOptions.TCP_KEEPCOUNT, count);
            }
        }
    }

    /** Connects; null on success, else the failure to report. */
    private Result connect(Socket socket) throws IOException {
        String where = host + ":" + port;
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            return new Result(ExitCodes.USAGE, "cannot resolve host '" + host + "'");
        }
        try {
            socket.connect(address, (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()));
            return null;
        } catch (SocketTimeoutException e) {
            return new Result(ExitCodes.TIMED_OUT, "timed out connecting to " + where + " (no answer within "
                    + Units.format(connectTimeout) + ")");
        } catch (UnknownHostException e) {
            return new Result(ExitCodes.USAGE, "cannot resolve host '" + host + "'");
        } catch (IOException e) {
            ErrorCause cause = ErrorCause.of(e);
            return switch (cause) {
                case REFUSED -> new Result(ExitCodes.REFUSED,
                        "connection refused by " + where + " (ECONNREFUSED): is the server running?");
                case UNREACHABLE -> new Result(ExitCodes.UNREACHABLE,
                        "cannot reach " + where + ": " + e.getMessage() + " (" + ErrorCause.errnoOf(e) + ")");
                case TIMED_OUT -> new Result(ExitCodes.TIMED_OUT,
                        "timed out connecting to " + where + " (ETIMEDOUT)");
                default -> throw e;
            };
        }
    }

    /**
     * Runs the TLS handshake, bounded by {@code --connect-timeout}; null on success, else the
     * failure to report (refused, untrusted certificate, wrong host: one line each).
     */
    private Result handshake(SSLSocket socket) throws IOException {
        String where = host + ":" + port;
        try {
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()));
            socket.startHandshake();
            socket.setSoTimeout(0);
        } catch (SocketTimeoutException e) {
            return new Result(ExitCodes.TIMED_OUT, "timed out in the TLS handshake with " + where + " (no answer within "
                    + Units.format(connectTimeout) + ")");
        } catch (IOException e) {
            ErrorCause cause = ErrorCause.ofHandshake(e);
            String line = switch (cause) {
                case TLS_UNTRUSTED -> "TLS: the certificate of " + where + " is not trusted (" + detail(e)
                        + "); trust it with --ca PEM, or skip the check with --insecure";
                case TLS_HOSTNAME -> "TLS: the certificate of " + where + " is not for host '" + host + "' ("
                        + detail(e) + ")";
                case TLS_HANDSHAKE, TLS_TRUNCATED -> "TLS handshake with " + where + " failed: " + detail(e);
                case RESET -> "TLS handshake with " + where + " failed: connection reset by the server (ECONNRESET)";
                default -> null;
            };
            if (line == null) {
                throw e;
            }
            return new Result(cause == ErrorCause.TLS_TRUNCATED ? ExitCodes.TLS_HANDSHAKE
                    : cause == ErrorCause.RESET ? ExitCodes.TLS_HANDSHAKE : ExitCodes.of(cause), line);
        }
        if (tls.insecure()) {
            err.println("echo-client: " + ClientTls.insecureWarning(socket.getSession()));
            err.flush();
        }
        return null;
    }

    /** The innermost message of a TLS failure, on one line. */
    private static String detail(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? e.getMessage() : root.getMessage();
        return String.valueOf(message).replace('\n', ' ');
    }

    /** Input to socket; on input EOF, half-close. */
    private void copyInput(Socket socket) {
        byte[] buffer = new byte[CHUNK_BYTES];
        OutputStream toServer;
        try {
            toServer = socket.getOutputStream();
        } catch (IOException e) {
            result.completeExceptionally(e);
            return;
        }
        while (true) {
            int n;
            try {
                n = in.read(buffer);
            } catch (IOException e) {
                result.completeExceptionally(new IOException("cannot read standard input: " + e.getMessage(), e));
                return;
            }
            try {
                if (n < 0) {
                    inputDone = true;
                    socket.shutdownOutput();
                    return;
                }
                if (bytesSent == bytesEchoed) {
                    lastProgressNanos = System.nanoTime();
                }
                // Counted before the write: the server may echo (or close) before write returns,
                // and an EOF then must still see these bytes as owed.
                bytesSent += n;
                writerInWrite = true;
                try {
                    toServer.write(buffer, 0, n);
                } finally {
                    writerInWrite = false;
                }
            } catch (IOException e) {
                fail(e, "write");
                return;
            }
        }
    }

    /** Socket to output, until the server's EOF. */
    private void copyEchoes(Socket socket) {
        byte[] buffer = new byte[CHUNK_BYTES];
        try {
            InputStream fromServer = socket.getInputStream();
            while (true) {
                int n;
                try {
                    n = fromServer.read(buffer);
                } catch (IOException e) {
                    readerAway = true;
                    fail(e, "read");
                    return;
                }
                if (n < 0) {
                    readerAway = true;
                    onEof();
                    return;
                }
                bytesEchoed += n;
                lastProgressNanos = System.nanoTime();
                try {
                    readerAway = true;
                    out.write(buffer, 0, n);
                    out.flush();
                    readerAway = false;
                } catch (IOException e) {
                    result.complete(new Result(ExitCodes.FAILURE, "cannot write standard output: " + e.getMessage()));
                    return;
                }
            }
        } catch (IOException e) {
            result.completeExceptionally(e);
        }
    }

    private void onEof() {
        long sent = bytesSent;
        long echoed = bytesEchoed;
        if (inputDone && echoed >= sent) {
            result.complete(new Result(ExitCodes.OK, null));
        } else if (echoed < sent) {
            defer(false, new Result(ExitCodes.PREMATURE_EOF,
                    "server terminated prematurely (EOF after " + sent + " bytes sent, " + echoed + " echoed)"));
        } else {
            defer(false, new Result(ExitCodes.PREMATURE_EOF, "server terminated prematurely (EOF while connected and idle, after "
                    + sent + " bytes sent, " + echoed + " echoed)"));
        }
    }

    private void fail(IOException e, String call) {
        ErrorCause cause = ErrorCause.of(e);
        String counts = "after " + bytesSent + " bytes sent, " + bytesEchoed + " echoed";
        String line = switch (cause) {
            case RESET -> "connection reset by the server (ECONNRESET) on " + call + ", " + counts;
            case BROKEN_PIPE -> "broken pipe (EPIPE): a " + call + " after the server had reset the connection, " + counts;
            case TIMED_OUT -> "connection timed out (ETIMEDOUT): the server stopped answering, " + counts;
            case UNREACHABLE -> "server unreachable (" + ErrorCause.errnoOf(e) + ") on " + call + ", " + counts;
            case REFUSED -> "connection refused (ECONNREFUSED) on " + call + ", " + counts;
            case TLS_TRUNCATED -> "TLS: the server closed the connection without close_notify (truncated) on "
                    + call + ", " + counts;
            case EOF, OTHER, TLS_HANDSHAKE, TLS_UNTRUSTED, TLS_HOSTNAME -> null;
        };
        if (line == null) {
            result.completeExceptionally(e);
        } else if (cause == ErrorCause.BROKEN_PIPE) {
            defer(call.equals("write"), new Result(ExitCodes.of(cause), line));
        } else {
            result.complete(new Result(ExitCodes.of(cause), line));
        }
    }

    /** Waits for the first outcome, checking {@code --timeout} while echoes are owed. */
    private Result awaitResult() throws InterruptedException, IOException {
        while (true) {
            try {
                return result.get(TICK_MS, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                Deferred later = deferred.get();
                if (later != null && settled(later, System.nanoTime() - later.sinceNanos())) {
                    return later.result();
                }
                long owed = bytesSent - bytesEchoed;
                long waitedNanos = System.nanoTime() - lastProgressNanos;
                if (!timeout.isZero() && owed > 0 && waitedNanos > timeout.toNanos()) {
                    return new Result(ExitCodes.TIMED_OUT, "timed out: no echo within " + Units.format(timeout)
                            + " (" + owed + " bytes owed; " + bytesSent + " sent, " + bytesEchoed + " echoed)");
                }
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof IOException io) {
                    throw io;
                }
                throw new IllegalStateException("chat failed", cause);
            }
        }
    }

    /**
     * A premature EOF or a broken pipe may be the shadow of a reset: the kernel reports a
     * connection's ECONNRESET to one call only, so if the writer takes it, the reader sees
     * EOF, and if the reader takes it, the writer's next write gets EPIPE. A reset is only
     * ever ECONNRESET on an established connection (after the server's FIN, its RST makes
     * EPIPE), so an EOF or a broken pipe waits for the other thread's reset (see
     * {@link #settled}), and is reported if none comes; an EOF replaces a broken pipe (after
     * the server's FIN and RST the writer may fail before the slower reader sees the EOF).
     */
    private void defer(boolean fromWriter, Result outcome) {
        Deferred next = new Deferred(outcome, System.nanoTime(), fromWriter);
        if (fromWriter) {
            deferred.compareAndSet(null, next);
        } else {
            deferred.set(next); // the server's EOF came first; the writer's broken pipe is only its echo
        }
    }

    /**
     * Whether a deferred outcome is final: the grace has passed and the other thread is not
     * inside the socket call that would report the reset (a writer's broken pipe waits for a
     * reader that is reading; a reader's EOF for a writer that is writing), or the most
     * grace has passed. A call on a dead connection returns at once, so the wait is short;
     * a reader blocked on standard output, or a writer waiting for input, is not waited for.
     */
    private boolean settled(Deferred outcome, long waitedNanos) {
        if (waitedNanos >= RESET_GRACE_MAX_NANOS) {
            return true;
        }
        if (waitedNanos < RESET_GRACE_NANOS) {
            return false;
        }
        return outcome.fromWriter() ? readerAway : !writerInWrite;
    }

    private int report(Result outcome) {
        if (outcome.message() != null) {
            err.println("echo-client: " + outcome.message());
            err.flush();
        }
        return outcome.exitCode();
    }

    private static void start(String name, Runnable body) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        thread.start();
    }
}
