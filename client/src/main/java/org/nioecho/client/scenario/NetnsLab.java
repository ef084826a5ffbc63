package org.nioecho.client.scenario;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Two "hosts" for the crash scenarios: a client namespace and a server namespace, each with
 * a veth whose other end sits on a bridge in a third namespace (so a crashed server does not
 * take the client's carrier down). Only 198.18.0.0/15 addresses, only inside these
 * namespaces; nothing in the host's namespace changes. {@link #close()} deletes everything,
 * and {@link #sweepLeftovers} removes namespaces of earlier runs that died.
 */
final class NetnsLab implements AutoCloseable {
    static final String CLIENT_ADDRESS = "198.18.0.1";
    static final String SERVER_ADDRESS = "198.18.0.2";
    private static final String CLIENT_MAC = "02:00:c6:12:00:01";
    private static final String SERVER_MAC = "02:00:c6:12:00:02";
    private static final Pattern OURS = Pattern.compile("nioecho-(?:cli|srv|br|check)-(\\d+)(?:-\\d+)?");
    private static final AtomicInteger RUNS = new AtomicInteger();

    private final Timeline timeline;
    private final int tcpRetries2;
    private final String bridge;
    private final String client;
    private final String server;

    private NetnsLab(Timeline timeline, int tcpRetries2, String suffix) {
        this.timeline = Objects.requireNonNull(timeline, "timeline");
        this.tcpRetries2 = tcpRetries2;
        Objects.requireNonNull(suffix, "suffix");
        this.bridge = "nioecho-br-" + suffix;
        this.client = "nioecho-cli-" + suffix;
        this.server = "nioecho-srv-" + suffix;
    }

    /**
     * Why namespaces cannot be used here (no {@code ip}, not root, or root in a sandbox that
     * refuses {@code ip netns add}), or empty if they can.
     */
    static Optional<String> unavailableReason() throws IOException, InterruptedException {
        if (!onPath("ip")) {
            return Optional.of("needs the 'ip' command (iproute2), not found on PATH");
        }
        String uid = Shell.run("id", "-u").output();
        if (!uid.equals("0")) {
            return Optional.of("needs root to create network namespaces (running as uid " + uid + ")");
        }
        String probe = "nioecho-check-" + ProcessHandle.current().pid();
        Shell.Result added = Shell.run("ip", "netns", "add", probe);
        if (!added.ok()) {
            return Optional.of("root, but 'ip netns add' is refused here: " + added.output());
        }
        Shell.check("ip", "netns", "del", probe);
        return Optional.empty();
    }

    private static boolean onPath(String command) {
        String path = System.getenv().getOrDefault("PATH", "") + File.pathSeparator + "/usr/sbin" + File.pathSeparator + "/sbin";
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }

    /** Deletes {@code nioecho-*} namespaces left by runs whose process is gone. */
    static void sweepLeftovers(Timeline timeline) throws IOException, InterruptedException {
        for (String line : Shell.check("ip", "netns", "list").split("\n")) {
            String name = line.trim().split("\\s+")[0];
            Matcher ours = OURS.matcher(name);
            if (ours.matches() && ProcessHandle.of(Long.parseLong(ours.group(1))).isEmpty()) {
                killProcessesIn(name);
                Shell.run("ip", "netns", "del", name);
                timeline.log("netns", "removed " + name + ", left over by an earlier run");
            }
        }
    }

    /**
     * Creates the three namespaces, the bridge and both links, and sets tcp_retries2 in both
     * hosts (the client's retransmissions to a crashed server, and the server's to a crashed client).
     */
    static NetnsLab create(Timeline timeline, int tcpRetries2) throws IOException, InterruptedException {
        NetnsLab lab = new NetnsLab(timeline, tcpRetries2, ProcessHandle.current().pid() + "-" + RUNS.incrementAndGet());
        try {
            Shell.check("ip", "netns", "add", lab.bridge);
            Shell.check("ip", "-n", lab.bridge, "link", "add", "br0", "type", "bridge");
            Shell.check("ip", "-n", lab.bridge, "link", "set", "br0", "up");
            lab.addHost(lab.client, "cli0", CLIENT_MAC, CLIENT_ADDRESS);
            lab.addHost(lab.server, "srv0", SERVER_MAC, SERVER_ADDRESS);
        } catch (IOException | RuntimeException e) {
            lab.close();
            throw e;
        }
        timeline.log("netns", "client " + lab.client + " (" + CLIENT_ADDRESS + "), server " + lab.server + " ("
                + SERVER_ADDRESS + "), joined by veths to a bridge in " + lab.bridge);
        return lab;
    }

    private void addHost(String namespace, String bridgePort, String mac, String address)
            throws IOException, InterruptedException {
        Shell.check("ip", "netns", "add", namespace);
        Shell.check("ip", "-n", namespace, "link", "set", "lo", "up");
        // Orphaned sockets (a killed process's FIN that nobody acknowledges) give up fast,
        // so that the deleted namespace is freed soon.
        Shell.check("ip", "netns", "exec", namespace, "sysctl", "-q", "-w", "net.ipv4.tcp_orphan_retries=1");
        Shell.check("ip", "netns", "exec", namespace, "sysctl", "-q", "-w", "net.ipv4.tcp_retries2=" + tcpRetries2);
        Shell.check("ip", "-n", namespace, "link", "add", "eth0", "address", mac, "type", "veth",
                "peer", "name", bridgePort, "netns", bridge);
        Shell.check("ip", "-n", bridge, "link", "set", bridgePort, "master", "br0");
        Shell.check("ip", "-n", bridge, "link", "set", bridgePort, "up");
        Shell.check("ip", "-n", namespace, "addr", "add", address + "/24", "dev", "eth0");
        Shell.check("ip", "-n", namespace, "link", "set", "eth0", "up");
    }

    /** The command prefix that runs a process in the client's namespace. */
    List<String> inClient() {
        return List.of("ip", "netns", "exec", client);
    }

    /** The command prefix that runs a process in the server's namespace. */
    List<String> inServer() {
        return List.of("ip", "netns", "exec", server);
    }

    /** A sysctl of the client's namespace, as {@code sysctl} prints it. */
    String clientSysctl(String name) throws IOException, InterruptedException {
        return Shell.check("ip", "netns", "exec", client, "sysctl", name);
    }

    /** A sysctl of the server's namespace, as {@code sysctl} prints it. */
    String serverSysctl(String name) throws IOException, InterruptedException {
        return Shell.check("ip", "netns", "exec", server, "sysctl", name);
    }

    /** The client host "crashes": its link goes down, nothing is sent to anyone. */
    void crashClientHost() throws IOException, InterruptedException {
        Shell.check("ip", "-n", client, "link", "set", "eth0", "down");
        timeline.log("netns", "ip -n " + client + " link set eth0 down: the client host crashed (nothing sent)");
    }

    /** The server host "crashes": its link goes down, nothing is sent to anyone. */
    void crashServerHost() throws IOException, InterruptedException {
        Shell.check("ip", "-n", server, "link", "set", "eth0", "down");
        timeline.log("netns", "ip -n " + server + " link set eth0 down: the server host crashed (nothing sent)");
    }

    /**
     * The crashed server host comes back without any connection state: its processes are
     * killed, its namespace deleted and made again with the same addresses.
     */
    void rebootServerHost() throws IOException, InterruptedException {
        killProcessesIn(server);
        Shell.check("ip", "-n", server, "link", "del", "eth0");
        Shell.check("ip", "netns", "del", server);
        addHost(server, "srv0", SERVER_MAC, SERVER_ADDRESS);
        timeline.log("netns", "server host rebooted: " + server + " made again, same IP and MAC, no TCP state");
    }

    private static void killProcessesIn(String namespace) throws IOException, InterruptedException {
        Shell.Result pids = Shell.run("ip", "netns", "pids", namespace);
        if (pids.ok() && !pids.output().isBlank()) {
            for (String pid : pids.output().split("\\s+")) {
                ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    /** Kills what still runs in the namespaces and deletes them; every failure is logged. */
    @Override
    public void close() throws IOException, InterruptedException {
        StringBuilder failures = new StringBuilder();
        for (String namespace : List.of(client, server, bridge)) {
            killProcessesIn(namespace);
            Shell.Result deleted = Shell.run("ip", "netns", "del", namespace);
            if (!deleted.ok() && !deleted.output().contains("No such file")) {
                failures.append(' ').append(namespace).append(": ").append(deleted.output());
            }
        }
        timeline.log("netns", failures.length() == 0 ? "deleted " + client + ", " + server + ", " + bridge
                : "deleting namespaces failed:" + failures);
        if (failures.length() > 0) {
            throw new IOException("deleting namespaces failed:" + failures);
        }
    }
}
