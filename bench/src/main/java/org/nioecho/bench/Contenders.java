package org.nioecho.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The servers the comparison knows, as {@link ServerSpec}s with their command lines. */
final class Contenders {
    private Contenders() {
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

    private static ServerSpec builtIn(String name, String java, List<String> jvmOptions, Path serverJar, Path benchJar) {
        return switch (name) {
            case "reactor" -> new ServerSpec(name, "this project: one Selector reactor thread (echo-server.jar)",
                    command(java, jvmOptions, List.of("-jar", serverJar.toString(), "--port", "0")), null);
            case "blocking" -> new ServerSpec(name, "thread per connection, blocking I/O (the fork-per-connection model, in Java)",
                    command(java, jvmOptions, List.of("-cp", benchJar.toString(), BlockingEchoServer.class.getName(), "--port", "0")), null);
            case "virtual" -> new ServerSpec(name, "the same blocking server, one virtual thread per connection",
                    command(java, jvmOptions, List.of("-cp", benchJar.toString(), BlockingEchoServer.class.getName(), "--port", "0", "--virtual")),
                    VirtualThreads.available() ? null : VirtualThreads.unavailableReason() + " (run Compare on JDK 21+ to include it)");
            case "netty-nio", "netty-epoll" -> {
                String transport = name.substring("netty-".length());
                List<String> options = new ArrayList<>(jvmOptions);
                options.addAll(nettyOptions());
                yield new ServerSpec(name, "Netty " + nettyVersion() + ", " + transport + " transport, one event-loop thread",
                        command(java, options, List.of("-cp", benchJar.toString(), NettyEchoServer.class.getName(), "--port", "0",
                                "--transport", transport)), null);
            }
            default -> throw new IllegalArgumentException("unknown server " + name);
        };
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
