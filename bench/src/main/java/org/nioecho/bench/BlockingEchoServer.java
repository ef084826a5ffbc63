package org.nioecho.bench;

import org.nioecho.harness.Listening;
import org.nioecho.server.Units;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import sun.misc.Signal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The notes' fork-per-connection {@code tcpserv} in Java: a blocking accept loop that gives
 * every connection its own thread (a platform thread, or with {@code --virtual} a virtual
 * thread on JDK 21+), which reads and writes back until EOF. It is the comparison's
 * baseline, kept as plain as the original: no connection limit, no idle timeout.
 *
 * <pre>{@code
 * java -cp benchmarks.jar org.nioecho.bench.BlockingEchoServer --port 0 [--virtual]
 * }</pre>
 */
@Command(name = "blocking-echo-server", mixinStandardHelpOptions = true, versionProvider = BenchVersion.class,
        sortOptions = false, usageHelpAutoWidth = true,
        description = "Thread-per-connection blocking TCP echo server (the fork-per-connection model, in Java).",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:stopped by SIGTERM/SIGINT (or --help/--version)",
            "1:could not start (e.g. address in use)",
            "2:bad usage: an invalid option or value",
            "3:--virtual on a JDK without virtual threads (before 21)"})
public final class BlockingEchoServer implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = "--port", paramLabel = "PORT", description = "TCP port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    private int port = 9877;

    @Option(names = "--bind", paramLabel = "ADDRESS", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    private String bind = "127.0.0.1";

    @Option(names = "--backlog", paramLabel = "N", description = "Listen backlog (default: ${DEFAULT-VALUE}).")
    private int backlog = 1024;

    @Option(names = "--buffer", paramLabel = "SIZE", description = "Each connection's read buffer (default: ${DEFAULT-VALUE}).")
    private String buffer = "16KiB";

    @Option(names = "--virtual", description = "One virtual thread per connection instead of a platform thread (JDK 21+).")
    private boolean virtual;

    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong failedThreads = new AtomicLong();
    private final AtomicLong ioErrors = new AtomicLong();
    private volatile boolean stopping;

    /** Runs the server; exits with the code documented in {@code --help}. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new BlockingEchoServer()).execute(args));
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        int bufferBytes = bufferBytes();
        if (virtual && !VirtualThreads.available()) {
            err.println("blocking-echo-server: " + VirtualThreads.unavailableReason());
            return 3;
        }
        ServerSocket listener = new ServerSocket();
        try {
            listener.setReuseAddress(true);
            listener.bind(new InetSocketAddress(bind, port), backlog);
        } catch (IOException e) {
            listener.close();
            err.println("blocking-echo-server: cannot listen on " + bind + ":" + port + ": " + e.getMessage());
            return 1;
        }
        ExecutorService perTask = virtual ? VirtualThreads.newThreadPerTaskExecutor() : null;
        String name = virtual ? "virtual-thread server" : "thread-per-connection server";
        onTerminationSignal(listener); // before the ready line: a SIGTERM after it must stop us with 0
        out.println(Listening.line(name, (InetSocketAddress) listener.getLocalSocketAddress()));
        out.flush();
        acceptLoop(listener, perTask, bufferBytes, err);
        out.println("nioecho " + name + " stopped: " + accepted.get() + " connections, "
                + failedThreads.get() + " refused for want of a thread, " + ioErrors.get() + " ended by an I/O error");
        out.flush();
        return 0;
    }

    private void acceptLoop(ServerSocket listener, ExecutorService perTask, int bufferBytes, PrintWriter err) {
        while (!stopping) {
            Socket socket;
            try {
                socket = listener.accept();
            } catch (IOException e) {
                if (!stopping) {
                    err.println("blocking-echo-server: accept failed: " + e.getMessage());
                    err.flush();
                    pauseAfterAcceptFailure();
                }
                continue;
            }
            accepted.incrementAndGet();
            Runnable echo = () -> echo(socket, bufferBytes);
            try {
                if (perTask != null) {
                    perTask.execute(echo);
                } else {
                    Thread thread = new Thread(echo, "echo-" + socket.getPort());
                    thread.setDaemon(true);
                    thread.start();
                }
            } catch (OutOfMemoryError e) {
                // The model's limit: the OS will not give this connection a thread (like fork's EAGAIN).
                failedThreads.incrementAndGet();
                err.println("blocking-echo-server: no thread for a new connection: " + e.getMessage());
                err.flush();
                closeQuietly(socket);
            }
        }
    }

    private void echo(Socket socket, int bufferBytes) {
        try (socket) {
            socket.setTcpNoDelay(true);
            byte[] bytes = new byte[bufferBytes];
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            for (int n; (n = in.read(bytes)) > 0; ) {
                out.write(bytes, 0, n);
            }
        } catch (IOException e) {
            // reset, broken pipe, closed on shutdown: normal life for an echo server
            ioErrors.incrementAndGet();
        }
    }

    private void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            ioErrors.incrementAndGet();
        }
    }

    private static void pauseAfterAcceptFailure() {
        try {
            Thread.sleep(100); // e.g. EMFILE: do not spin on a failing accept
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private int bufferBytes() {
        try {
            int bytes = Units.parseIntBytes(buffer);
            if (bytes < 1) {
                throw new IllegalArgumentException("the buffer must hold at least one byte");
            }
            return bytes;
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "Invalid value for option '--buffer': " + e.getMessage());
        }
    }

    private void onTerminationSignal(ServerSocket listener) {
        for (String signal : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(signal), s -> {
                stopping = true;
                closeListener(listener);
            });
        }
    }

    private void closeListener(ServerSocket listener) {
        try {
            listener.close();
        } catch (IOException e) {
            ioErrors.incrementAndGet();
        }
    }
}
