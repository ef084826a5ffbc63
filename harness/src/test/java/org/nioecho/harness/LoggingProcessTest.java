package org.nioecho.harness;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The server's log goes where, and looks how, the user says: no code change needed. */
class LoggingProcessTest {

    @Test
    void logsOneLinePerEventOnStandardErrorByDefault() throws Exception {
        try (ServerProcess server = ServerProcess.builder().args("--log-level", "debug").start()) {
            abortOneConnection(server);
            await().atMost(Duration.ofSeconds(10)).until(() -> server.stderr().stream()
                    .anyMatch(line -> line.matches("\\S+Z DEBUG connection 127\\.0\\.0\\.1:\\d+ closed: reset.*")));
            assertTrue(server.stderr().stream().noneMatch(line -> line.contains("Exception")),
                    "an expected reset has no stack trace: " + server.stderr());
            assertTrue(server.stdout().stream().noneMatch(line -> line.contains("closed: reset")),
                    "logs stay off standard output: " + server.stdout());
        }
    }

    @Test
    void infoLevelHidesExpectedDisconnects() throws Exception {
        try (ServerProcess server = ServerProcess.builder().args("--stdin-control").start()) {
            abortOneConnection(server);
            await().atMost(Duration.ofSeconds(10)).until(() -> server.control("stats").contains("reset=1"));
            assertEquals(List.of(), ownLines(server.stderr()), "a reset is logged at debug only");
        }
    }

    @Test
    void aConfigurationFileRoutesAndFormatsTheLog(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("server.log");
        Path config = dir.resolve("logging.properties");
        Files.writeString(config, String.join("\n",
                "handlers = java.util.logging.FileHandler",
                ".level = INFO",
                "org.nioecho.level = FINE",
                "java.util.logging.FileHandler.pattern = " + log,
                "java.util.logging.FileHandler.formatter = java.util.logging.SimpleFormatter",
                "java.util.logging.SimpleFormatter.format = custom|%4$s|%3$s|%5$s%n",
                ""));
        try (ServerProcess server = ServerProcess.builder()
                .jvmOptions("-Djava.util.logging.config.file=" + config).start()) {
            abortOneConnection(server);
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(log) && Files.readAllLines(log).stream()
                    .anyMatch(line -> line.matches("custom\\|FINE\\|org\\.nioecho\\.server\\.Connection\\|connection .* closed: reset.*")));
            assertEquals(List.of(), ownLines(server.stderr()), "the file's handlers replace standard error");
        }
    }

    private static void abortOneConnection(ServerProcess server) throws Exception {
        try (Socket socket = new Socket()) {
            socket.connect(server.address(), 5_000);
            socket.setSoTimeout(5_000);
            socket.getOutputStream().write('x');
            assertEquals('x', socket.getInputStream().read());
            socket.setOption(StandardSocketOptions.SO_LINGER, 0); // close sends RST
        }
    }

    /**
     * Standard error without the JVM's own warnings ({@code WARNING: ...}): from JDK 24 on,
     * the JVM warns once that JCTools uses {@code sun.misc.Unsafe}; that is not the server's log.
     */
    private static List<String> ownLines(List<String> stderr) {
        return stderr.stream().filter(line -> !line.startsWith("WARNING: ")).toList();
    }
}
