package org.nioecho.bench;

import io.netty.channel.uring.IoUring;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The servers the comparison knows, as {@link ServerSpec}s with their command lines: the
 * fixed names ({@code reactor}, {@code blocking}, {@code virtual}, {@code c-epoll},
 * {@code ffm-epoll}) and the parameterised ones, {@code netty-TRANSPORT} (one event loop) and {@code netty-TRANSPORT-N}
 * (N event loops) for TRANSPORT nio, epoll or io_uring, and {@code reactor-N}, the server with
 * {@code --reactors N} (a hook: it runs only once the server has that option, else it is
 * skipped with the reason).
 */
final class Contenders {
    /** Names that take no parameter. */
    static final List<String> FIXED = List.of("reactor", "blocking", "virtual", "c-epoll", "ffm-epoll");
    /** For usage messages: every form of name. */
    static final String NAMES = "reactor, blocking, virtual, c-epoll, ffm-epoll (JDK 22+), netty-nio, netty-epoll, netty-io_uring,"
            + " netty-TRANSPORT-N (N event loops), reactor-N (needs the server's --reactors)";
    private static final Pattern NETTY = Pattern.compile("netty-(nio|epoll|io_uring)(?:-([1-9][0-9]{0,2}))?");
    private static final Pattern REACTORS = Pattern.compile("reactor-([1-9][0-9]{0,2})");

    private Contenders() {
    }

    /** A Netty contender: its transport and event-loop count. */
    record Netty(String transport, int eventLoops) {
        /** The echo server's arguments after {@code --port 0}. */
        List<String> arguments() {
            return List.of("--transport", transport, "--event-loops", Integer.toString(eventLoops));
        }
    }

    /** {@code netty-epoll} → (epoll, 1), {@code netty-io_uring-2} → (io_uring, 2); null if not a Netty name. */
    static Netty netty(String name) {
        Matcher m = NETTY.matcher(name);
        if (!m.matches()) {
            return null;
        }
        return new Netty(m.group(1), m.group(2) == null ? 1 : Integer.parseInt(m.group(2)));
    }

    /** {@code reactor-4} → 4; 0 if not that form. */
    static int reactors(String name) {
        Matcher m = REACTORS.matcher(name);
        return m.matches() ? Integer.parseInt(m.group(1)) : 0;
    }

    /** Whether {@code name} is a built-in contender, fixed or parameterised. */
    static boolean known(String name) {
        return FIXED.contains(name) || netty(name) != null || reactors(name) > 0;
    }

    /**
     * Specs for the chosen built-in servers (in the order given) and the external commands.
     *
     * @param java       the {@code java} executable every Java server runs on
     * @param jvmOptions options for every Java server
     */
    static List<ServerSpec> specs(List<String> builtIn, Map<String, String> externals, String java, List<String> jvmOptions,
                                  Path serverJar, Path benchJar) throws InterruptedException {
        List<ServerSpec> specs = new ArrayList<>();
        for (String name : builtIn.stream().distinct().toList()) {
            specs.add(name.equals("c-epoll") ? CEpollServer.spec() : builtIn(name, java, jvmOptions, serverJar, benchJar));
        }
        externals.forEach((name, command) -> specs.add(new ServerSpec(name, "external command: " + command,
                List.of("/bin/sh", "-c", command), null)));
        return specs;
    }

    private static ServerSpec builtIn(String name, String java, List<String> jvmOptions, Path serverJar, Path benchJar)
            throws InterruptedException {
        Netty netty = netty(name);
        if (netty != null) {
            List<String> options = new ArrayList<>(jvmOptions);
            options.addAll(nettyOptions());
            List<String> rest = new ArrayList<>(List.of("-cp", benchJar.toString(), NettyEchoServer.class.getName(), "--port", "0"));
            rest.addAll(netty.arguments());
            String loops = netty.eventLoops() == 1 ? "one event-loop thread" : netty.eventLoops() + " event-loop threads";
            return new ServerSpec(name, "Netty " + nettyVersion() + ", " + netty.transport() + " transport, " + loops,
                    command(java, options, rest), netty.transport().equals("io_uring") ? ioUringSkipReason() : null);
        }
        int reactors = reactors(name);
        if (reactors > 0) {
            return new ServerSpec(name, "this project with --reactors " + reactors + " (echo-server.jar)",
                    command(java, jvmOptions, List.of("-jar", serverJar.toString(), "--port", "0", "--reactors", Integer.toString(reactors))),
                    hasOption(java, serverJar, "--reactors") ? null : "echo-server.jar has no --reactors option yet");
        }
        return switch (name) {
            case "reactor" -> new ServerSpec(name, "this project: one Selector reactor thread (echo-server.jar)",
                    command(java, jvmOptions, List.of("-jar", serverJar.toString(), "--port", "0")), null);
            case "blocking" -> new ServerSpec(name, "thread per connection, blocking I/O (the fork-per-connection model, in Java)",
                    command(java, jvmOptions, List.of("-cp", benchJar.toString(), BlockingEchoServer.class.getName(), "--port", "0")), null);
            case "virtual" -> new ServerSpec(name, "the same blocking server, one virtual thread per connection",
                    command(java, jvmOptions, List.of("-cp", benchJar.toString(), BlockingEchoServer.class.getName(), "--port", "0", "--virtual")),
                    VirtualThreads.available() ? null : VirtualThreads.unavailableReason() + " (run Compare on JDK 21+ to include it)");
            case "ffm-epoll" -> new ServerSpec(name, "the reactor's loop without java.nio: its own epoll, read and write through FFM",
                    command(java, withNativeAccess(jvmOptions), List.of("-cp", benchJar.toString(), FfmEpollEchoServer.class.getName(), "--port", "0")),
                    ffmSkipReason());
            default -> throw new IllegalArgumentException("unknown server " + name);
        };
    }

    /** Null on JDK 22+ (the Foreign Function and Memory API is final there), else why ffm-epoll cannot run. */
    private static String ffmSkipReason() {
        int feature = Runtime.version().feature();
        return feature >= 22 ? null
                : "ffm-epoll needs JDK 22 or later (java.lang.foreign); this is JDK " + feature + " (run Compare on JDK 22+ to include it)";
    }

    private static List<String> withNativeAccess(List<String> jvmOptions) {
        List<String> options = new ArrayList<>(jvmOptions);
        options.add("--enable-native-access=ALL-UNNAMED"); // the FFM downcalls, without a warning on JDK 24+
        return options;
    }

    /** Null if Netty's io_uring transport can run here, else why not (kernel too old, io_uring disabled, ...). */
    static String ioUringSkipReason() {
        if (IoUring.isAvailable()) {
            return null;
        }
        Throwable cause = IoUring.unavailabilityCause();
        return "the io_uring transport is not available here: " + (cause == null ? "unknown cause" : cause.getMessage());
    }

    /** Whether {@code java -jar jar --help} lists {@code option}; false if it cannot be asked within 30 s. */
    private static boolean hasOption(String java, Path jar, String option) throws InterruptedException {
        try {
            Path help = Files.createTempFile("nioecho-help", ".txt");
            try {
                Process process = new ProcessBuilder(java, "-jar", jar.toString(), "--help")
                        .redirectErrorStream(true).redirectOutput(help.toFile()).start();
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    return false;
                }
                return Files.readString(help, StandardCharsets.UTF_8).contains(option);
            } finally {
                Files.deleteIfExists(help);
            }
        } catch (IOException e) {
            return false;
        }
    }

    private static String nettyVersion() {
        io.netty.util.Version version = io.netty.util.Version.identify().get("netty-transport");
        return version == null ? "(unknown version)" : version.artifactVersion();
    }

    /** What Netty asks for on newer JDKs: native access for epoll, and sun.misc.Unsafe memory access, as before. */
    static List<String> nettyOptions() {
        int feature = Runtime.version().feature();
        List<String> options = new ArrayList<>();
        if (feature >= 22) {
            options.add("--enable-native-access=ALL-UNNAMED");
        }
        if (feature >= 23) {
            options.add("--sun-misc-unsafe-memory-access=allow");
        }
        return options;
    }

    private static List<String> command(String java, List<String> jvmOptions, List<String> rest) {
        List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(jvmOptions);
        command.addAll(rest);
        return command;
    }
}
