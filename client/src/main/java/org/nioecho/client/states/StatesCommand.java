package org.nioecho.client.states;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.nioecho.client.EchoClientCommand;
import org.nioecho.client.ExitCodes;
import org.nioecho.kernel.TcpState;
import org.nioecho.kernel.TcpTable;
import org.nioecho.kernel.UdpTable;
import org.nioecho.server.Addresses;
import org.nioecho.server.Units;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * {@code echo-client states --port 9877 [--watch] [--json]}: the notes' {@code netstat -a} for one port,
 * the kernel's TCP sockets with their states and timers, from {@code /proc/net/tcp} and {@code tcp6},
 * and its UDP sockets with their queues and drops, from {@code /proc/net/udp} and {@code udp6}.
 */
@Command(name = "states", mixinStandardHelpOptions = true, versionProvider = EchoClientCommand.Version.class,
        sortOptions = false, usageHelpAutoWidth = true,
        description = {"List the kernel's TCP and UDP sockets on one port, with states and timers (netstat -a).",
            "Shows every TCP socket with PORT at either end, like 'ss -tan', with their states (LISTEN, ESTABLISHED,"
                + " FIN_WAIT1/2, TIME_WAIT, CLOSE_WAIT, LAST_ACK, CLOSING...), queues and timers, read from"
                + " /proc/net/tcp and /proc/net/tcp6 of this network namespace; then, if there are any, the UDP"
                + " sockets like 'ss -uan' (UNCONN, or ESTAB when connected; queued bytes; datagrams dropped), from"
                + " /proc/net/udp and /proc/net/udp6."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:listed (also when no socket uses the port)",
            "1:unexpected failure, e.g. /proc/net/tcp unreadable",
            "2:bad usage"})
public final class StatesCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = "--port", paramLabel = "PORT", description = "The port to show (default: ${DEFAULT-VALUE}).")
    private int port = 9877;

    @Option(names = "--watch", description = "Print the table again every --interval until interrupted (or --count times).")
    private boolean watch;

    @Option(names = "--interval", paramLabel = "DURATION", description = "Time between tables with --watch (default: ${DEFAULT-VALUE}).")
    private String interval = "1s";

    @Option(names = "--count", paramLabel = "N", description = "With --watch, stop after N tables (default: until interrupted).")
    private int count;

    @Option(names = "--json", description = "One JSON object per table ({\"port\", \"tcp\": [...], \"udp\": [...]}), one per line.")
    private boolean json;

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (port < 1 || port > 65535) {
            throw new ParameterException(spec.commandLine(), "Invalid value for option '--port': " + port + " (use 1..65535)");
        }
        PrintWriter out = spec.commandLine().getOut();
        if (!watch) {
            print(out, Sockets.read(port), false);
            return ExitCodes.OK;
        }
        Duration every;
        try {
            every = Units.parseDuration(interval);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "Invalid value for option '--interval': " + e.getMessage());
        }
        if (every.toMillis() < 10) {
            throw new ParameterException(spec.commandLine(), "Invalid value for option '--interval': at least 10ms");
        }
        return watch(out, every);
    }

    /** Prints a table every {@code every}, timed by a scheduler; ends after {@code --count} tables or never. */
    private int watch(PrintWriter out, Duration every) throws InterruptedException, IOException {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "states-watch");
            thread.setDaemon(true);
            return thread;
        });
        Semaphore printed = new Semaphore(0);
        IOException[] failure = new IOException[1];
        try {
            timer.scheduleAtFixedRate(() -> {
                try {
                    print(out, Sockets.read(port), true);
                } catch (IOException e) {
                    failure[0] = e;
                }
                printed.release();
            }, 0, every.toMillis(), TimeUnit.MILLISECONDS);
            for (int n = 0; count <= 0 || n < count; n++) {
                printed.acquire();
                if (failure[0] != null) {
                    throw failure[0];
                }
            }
            return ExitCodes.OK;
        } finally {
            timer.shutdownNow();
        }
    }

    /** The TCP and UDP sockets on one port, read one right after the other. */
    record Sockets(List<TcpTable.Entry> tcp, List<UdpTable.Entry> udp) {
        static Sockets read(int port) throws IOException {
            return new Sockets(TcpTable.onPort(port), UdpTable.onPort(port));
        }

        int size() {
            return tcp.size() + udp.size();
        }
    }

    private void print(PrintWriter out, Sockets sockets, boolean stamped) {
        if (json) {
            out.println(toJson(sockets, port));
            out.flush();
            return;
        }
        if (stamped) {
            out.println("-- " + LocalTime.now().truncatedTo(ChronoUnit.MILLIS) + "  port " + port + ": "
                    + sockets.size() + " socket" + (sockets.size() == 1 ? "" : "s"));
        }
        out.print(format(sockets.tcp(), port));
        if (!sockets.udp().isEmpty()) {
            out.print(formatUdp(sockets.udp(), port));
        }
        out.flush();
    }

    /**
     * The UDP table: bound (UNCONN) sockets first, then by local and remote port. Recv-Q and
     * Send-Q are the bytes the kernel holds for the socket (each datagram with its buffer
     * overhead), Drops the datagrams it discarded for it, e.g. because the receive buffer was full.
     */
    static String formatUdp(List<UdpTable.Entry> entries, int port) {
        StringBuilder text = new StringBuilder();
        text.append(String.format(Locale.ROOT, "%-12s %7s %7s  %-22s %-22s %s%n",
                "UDP", "Recv-Q", "Send-Q", "Local Address:Port", "Peer Address:Port", "Drops"));
        entries.stream()
                .sorted(Comparator.comparing(UdpTable.Entry::connected)
                        .thenComparing(e -> e.local().getPort() != port)
                        .thenComparingInt(e -> e.local().getPort())
                        .thenComparingInt(e -> e.remote().getPort()))
                .forEach(e -> text.append(String.format(Locale.ROOT, "%-12s %7d %7d  %-22s %-22s %d%n",
                        e.ssState(), e.receiveQueueBytes(), e.sendQueueBytes(), address(e.local()),
                        e.connected() ? address(e.remote()) : "*:*", e.drops())));
        return text.toString();
    }

    /** The sockets as one JSON object: {@code port}, then {@code tcp} and {@code udp} arrays (keys as documented). */
    static String toJson(Sockets sockets, int port) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("port", port);
        ArrayNode tcp = root.putArray("tcp");
        for (TcpTable.Entry e : sockets.tcp()) {
            ObjectNode row = tcp.addObject();
            row.put("state", e.state().name());
            row.put("recvQ", e.receiveQueue());
            row.put("sendQ", e.sendQueue());
            row.put("local", address(e.local()));
            row.put("remote", e.state() == TcpState.LISTEN ? "*:*" : address(e.remote()));
            row.put("timer", timer(e));
            row.put("inode", e.inode());
        }
        ArrayNode udp = root.putArray("udp");
        for (UdpTable.Entry e : sockets.udp()) {
            ObjectNode row = udp.addObject();
            row.put("state", e.ssState());
            row.put("recvQ", e.receiveQueueBytes());
            row.put("sendQ", e.sendQueueBytes());
            row.put("local", address(e.local()));
            row.put("remote", e.connected() ? address(e.remote()) : "*:*");
            row.put("drops", e.drops());
            row.put("inode", e.inode());
        }
        return root.toString();
    }

    /** The table for {@code entries}: listening sockets first, then by state, local and remote port. */
    static String format(List<TcpTable.Entry> entries, int port) {
        StringBuilder text = new StringBuilder();
        text.append(String.format(Locale.ROOT, "%-12s %7s %7s  %-22s %-22s %s%n",
                "State", "Recv-Q", "Send-Q", "Local Address:Port", "Peer Address:Port", "Timer"));
        entries.stream()
                .sorted(Comparator.comparing((TcpTable.Entry e) -> e.state() != TcpState.LISTEN)
                        .thenComparing(e -> e.local().getPort() != port)
                        .thenComparing(TcpTable.Entry::state)
                        .thenComparingInt(e -> e.local().getPort())
                        .thenComparingInt(e -> e.remote().getPort()))
                .forEach(e -> text.append(String.format(Locale.ROOT, "%-12s %7d %7d  %-22s %-22s %s%n",
                        e.state().name(), e.receiveQueue(), e.sendQueue(), address(e.local()),
                        e.state() == TcpState.LISTEN ? "*:*" : address(e.remote()), timer(e))));
        return text.toString();
    }

    /** {@code 127.0.0.1:9877}, or IPv6 compressed as the server's start line writes it: {@code [::1]:9877}. */
    private static String address(InetSocketAddress address) {
        return Addresses.format(address);
    }

    /** The timer column like {@code netstat -o}: kind and time left (jiffies are USER_HZ = 100 per second). */
    private static String timer(TcpTable.Entry e) {
        String kind = switch (e.timer()) {
            case 0 -> "off";
            case 1 -> "on";
            case 2 -> "keepalive";
            case 3 -> "timewait";
            case 4 -> "probe";
            default -> "timer" + e.timer();
        };
        return e.timer() == 0 ? kind : String.format(Locale.ROOT, "%s (%.2f s)", kind, e.timerJiffies() / 100.0);
    }
}
