package org.nioecho.client.trace;

import org.nioecho.client.EchoClientCommand;
import org.nioecho.client.ExitCodes;
import org.nioecho.kernel.KernelEvent;
import org.nioecho.kernel.TcpTracer;
import org.nioecho.server.Units;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import sun.misc.Signal;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code echo-client trace --port 9877 [--duration 30s] [--json]}: a live feed of every TCP
 * state change, RST and socket error on one port, from the kernel's own tracepoints, for any
 * server (the notes' {@code netstat}, with history). Needs root.
 */
@Command(name = "trace", mixinStandardHelpOptions = true, versionProvider = EchoClientCommand.Version.class,
        sortOptions = false, usageHelpAutoWidth = true,
        description = {"Print every TCP state change, RST and socket error on one port as the kernel records it.",
            "Reads the kernel's tracepoints (sock:inet_sock_set_state, tcp:tcp_send_reset, tcp:tcp_receive_reset,"
                + " sock:inet_sk_error_report, tcp:tcp_retransmit_skb) in a private tracefs instance;"
                + " works for any server on the port, not only nioecho. Needs root."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:traced until --duration ended or Ctrl-C",
            "1:unexpected failure",
            "2:bad usage, or tracing is not possible here (not root, no tracefs)"})
public final class TraceCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = "--port", paramLabel = "PORT", description = "Port to trace, either end (default: ${DEFAULT-VALUE}).")
    private int port = 9877;

    @Option(names = "--duration", paramLabel = "DURATION", description = "Stop after this long (default: until Ctrl-C).")
    private String duration;

    @Option(names = "--json", description = "One JSON object per line instead of text.")
    private boolean json;

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (port < 1 || port > 65535) {
            throw new ParameterException(spec.commandLine(), "Invalid value for option '--port': " + port + " (use 1..65535)");
        }
        Duration limit = null;
        if (duration != null) {
            try {
                limit = Units.parseDuration(duration);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "Invalid value for option '--duration': " + e.getMessage());
            }
        }
        Optional<String> unavailable = TcpTracer.unavailableReason();
        if (unavailable.isPresent()) {
            spec.commandLine().getErr().println("echo-client trace: cannot trace: " + unavailable.get());
            return ExitCodes.USAGE;
        }
        PrintWriter out = spec.commandLine().getOut();
        CountDownLatch stop = new CountDownLatch(1);
        Signal.handle(new Signal("INT"), signal -> stop.countDown());
        Signal.handle(new Signal("TERM"), signal -> stop.countDown());
        long startNanos = System.nanoTime();
        EventFormat format = new EventFormat(startNanos, port);
        try (TcpTracer tracer = TcpTracer.start(Set.of(port), event -> print(out, format, event))) {
            // On standard error, so that standard output holds only events (JSON lines with --json).
            spec.commandLine().getErr().println("tracing TCP on port " + port + " (tracefs instance "
                    + tracer.instance().getFileName() + "); Ctrl-C stops");
            spec.commandLine().getErr().flush();
            if (limit == null) {
                stop.await();
            } else {
                stop.await(limit.toNanos(), TimeUnit.NANOSECONDS);
            }
            tracer.sync(Duration.ofSeconds(5));
            long lost = tracer.overruns();
            if (lost > 0) {
                spec.commandLine().getErr().println("echo-client trace: " + lost + " events were lost (ring buffer overrun)");
            }
        }
        out.flush();
        return ExitCodes.OK;
    }

    private void print(PrintWriter out, EventFormat format, KernelEvent event) {
        synchronized (out) {
            out.println(json ? format.json(event) : format.text(event));
            out.flush();
        }
    }
}
