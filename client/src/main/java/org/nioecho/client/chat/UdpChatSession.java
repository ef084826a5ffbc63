package org.nioecho.client.chat;

import org.nioecho.client.ExitCodes;
import org.nioecho.server.Units;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One {@code chat --udp} run: each line of the input (its newline included, as {@code nc -u}
 * sends it) goes out as one datagram on a connected socket, and each datagram that comes back
 * is written to the output unchanged. A thread reads the input while another reads the echoes.
 * UDP may lose datagrams, so a missing echo fails nothing while input continues; at input EOF
 * the client waits for the echoes still owed at most {@code --timeout} (default
 * {@value #DEFAULT_EOF_WAIT_MS} ms) without one arriving, then ends: exit 0 when every datagram
 * came back, 7 when some did not, 3 when the kernel reported ICMP port unreachable (nothing
 * listens on that UDP port), 2 for a line longer than a datagram can hold.
 */
final class UdpChatSession {
    /** The largest UDP payload over IPv4: 65,535 - 20 (IP header) - 8 (UDP header). */
    static final int MAX_DATAGRAM_BYTES = 65_507;
    static final long DEFAULT_EOF_WAIT_MS = 2000;
    private static final long TICK_MS = 100;

    private final String host;
    private final int port;
    private final Duration timeout;
    private final InputStream in;
    private final OutputStream out;
    private final PrintWriter err;
    private final CompletableFuture<Result> result = new CompletableFuture<>();

    private volatile long datagramsSent;
    private volatile long datagramsEchoed;
    private volatile boolean inputDone;
    /** When an echo last arrived, or when the input ended. */
    private volatile long lastProgressNanos;

    /** How the run ended: an exit code and, for failures, the line to print. */
    record Result(int exitCode, String message) {
    }

    UdpChatSession(ChatOptions options, InputStream in, OutputStream out, PrintWriter err) {
        this.host = options.host();
        this.port = options.port();
        this.timeout = options.timeout();
        this.in = Objects.requireNonNull(in, "in");
        this.out = Objects.requireNonNull(out, "out");
        this.err = Objects.requireNonNull(err, "err");
    }

    /** Runs the session to its end; prints a failure line on {@code err}; returns the exit code. */
    int run() throws IOException, InterruptedException {
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            return report(new Result(ExitCodes.USAGE, "cannot resolve host '" + host + "'"));
        }
        try (DatagramChannel channel = DatagramChannel.open(address.getAddress() instanceof Inet6Address
                ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET)) {
            channel.connect(address);
            lastProgressNanos = System.nanoTime();
            start("chat-udp-input", () -> copyInput(channel));
            start("chat-udp-output", () -> copyEchoes(channel));
            return report(awaitResult());
        }
    }

    /** Input lines to datagrams; on input EOF, note it (the wait for owed echoes starts). */
    private void copyInput(DatagramChannel channel) {
        ByteBuffer line = ByteBuffer.allocate(MAX_DATAGRAM_BYTES);
        InputStream input = new BufferedInputStream(in, 64 * 1024);
        long lineNumber = 1;
        try {
            while (true) {
                int b;
                try {
                    b = input.read();
                } catch (IOException e) {
                    result.completeExceptionally(new IOException("cannot read standard input: " + e.getMessage(), e));
                    return;
                }
                if (b < 0) {
                    if (line.position() > 0) {
                        send(channel, line);
                    }
                    lastProgressNanos = System.nanoTime();
                    inputDone = true;
                    return;
                }
                if (!line.hasRemaining()) {
                    result.complete(new Result(ExitCodes.USAGE, String.format(Locale.ROOT,
                            "line %d is longer than %,d bytes: too long for one datagram", lineNumber, MAX_DATAGRAM_BYTES)));
                    return;
                }
                line.put((byte) b);
                if (b == '\n') {
                    send(channel, line);
                    lineNumber++;
                }
            }
        } catch (IOException e) {
            failed(e);
        }
    }

    private void send(DatagramChannel channel, ByteBuffer line) throws IOException {
        line.flip();
        if (datagramsSent == datagramsEchoed) {
            lastProgressNanos = System.nanoTime();
        }
        datagramsSent++; // counted before the send: the echo may come back before send returns
        channel.write(line);
        line.clear();
    }

    /** Datagrams to output, each unchanged, until the session ends. */
    private void copyEchoes(DatagramChannel channel) {
        ByteBuffer datagram = ByteBuffer.allocate(65_536);
        try {
            while (true) {
                datagram.clear();
                channel.read(datagram);
                datagramsEchoed++;
                lastProgressNanos = System.nanoTime();
                try {
                    out.write(datagram.array(), 0, datagram.position());
                    out.flush();
                } catch (IOException e) {
                    result.complete(new Result(ExitCodes.FAILURE, "cannot write standard output: " + e.getMessage()));
                    return;
                }
            }
        } catch (ClosedChannelException e) {
            // the session ended and closed the socket
        } catch (IOException e) {
            failed(e);
        }
    }

    private void failed(IOException e) {
        if (e instanceof PortUnreachableException) {
            result.complete(new Result(ExitCodes.REFUSED, "no UDP echo at " + host + ":" + port
                    + " (ICMP port unreachable, ECONNREFUSED): is the server running with --udp?"));
        } else {
            result.completeExceptionally(e);
        }
    }

    /** Waits for the first outcome; after input EOF, for the owed echoes as long as they keep coming. */
    private Result awaitResult() throws InterruptedException, IOException {
        long waitNanos = (timeout.isZero() ? Duration.ofMillis(DEFAULT_EOF_WAIT_MS) : timeout).toNanos();
        while (true) {
            try {
                return result.get(TICK_MS, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                long sent = datagramsSent;
                long echoed = datagramsEchoed;
                long owed = sent - echoed;
                long quietNanos = System.nanoTime() - lastProgressNanos;
                if (inputDone && owed <= 0) {
                    return new Result(ExitCodes.OK, null);
                }
                if (owed > 0 && quietNanos > waitNanos && (inputDone || !timeout.isZero())) {
                    return new Result(ExitCodes.TIMED_OUT, String.format(Locale.ROOT,
                            "timed out: %d of %d datagrams not echoed within %s (UDP: lost, or no echo)",
                            owed, sent, Units.format(Duration.ofNanos(waitNanos))));
                }
            } catch (ExecutionException e) {
                if (e.getCause() instanceof IOException io) {
                    throw io;
                }
                throw new IllegalStateException("chat --udp failed", e.getCause());
            }
        }
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
