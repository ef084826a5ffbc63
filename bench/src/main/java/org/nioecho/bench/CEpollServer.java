package org.nioecho.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The minimal C epoll echo server of {@code bench/c/epoll_echo.c}, compiled on demand with the
 * system's {@code cc}: the floor for server CPU per message (no runtime, nothing but the
 * syscalls). Opt-in with {@code --servers ...,c-epoll}.
 */
final class CEpollServer {
    static final String SOURCE = "bench/c/epoll_echo.c";

    private CEpollServer() {
    }

    /** Its spec: the compiled binary with port 0, or a skipped spec saying why it cannot be built. */
    static ServerSpec spec() throws InterruptedException {
        String description = "minimal single-threaded C epoll echo (" + SOURCE + "): the CPU floor";
        Path source = Jars.locate(null, "nioecho.c.source", SOURCE, null);
        if (!Files.isRegularFile(source)) {
            return new ServerSpec("c-epoll", description, List.of(), SOURCE + " not found from the working directory");
        }
        try {
            Path dir = Files.createTempDirectory("nioecho-c-epoll");
            Path binary = dir.resolve("epoll-echo");
            Path log = dir.resolve("cc.log");
            Process cc = new ProcessBuilder("cc", "-O2", "-o", binary.toString(), source.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            boolean done = cc.waitFor(60, TimeUnit.SECONDS);
            binary.toFile().deleteOnExit();
            log.toFile().deleteOnExit();
            dir.toFile().deleteOnExit();
            if (!done || cc.exitValue() != 0) {
                cc.destroyForcibly();
                String output = Files.readString(log, StandardCharsets.UTF_8).lines().findFirst().orElse("");
                return new ServerSpec("c-epoll", description, List.of(), "cc could not compile " + source + ": " + output);
            }
            return new ServerSpec("c-epoll", description, List.of(binary.toString(), "0"), null);
        } catch (IOException e) {
            return new ServerSpec("c-epoll", description, List.of(), "cannot run cc (" + e.getMessage() + ")");
        }
    }
}
