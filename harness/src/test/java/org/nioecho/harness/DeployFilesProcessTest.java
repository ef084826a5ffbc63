package org.nioecho.harness;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.nioecho.kernel.TcpState;
import org.nioecho.kernel.TcpTable;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The files under {@code deploy/} are what a user installs as they are: systemd accepts
 * the units without a warning ({@code systemd-analyze verify}), and the exact command of
 * the service's {@code ExecStart} and of the xinetd wrapper (only the jar's path replaced
 * by the build's) serves echo under a real super-server, {@code systemd-socket-activate
 * --inetd} (the listening socket on standard input, as {@code Accept=no} and xinetd's
 * {@code wait = yes} hand it over), and drains on SIGTERM with exit 0. Where xinetd is
 * installed, the xinetd sample runs under it too.
 */
@Timeout(120)
class DeployFilesProcessTest {
    private static final String INSTALLED_JAR = "/opt/nioecho/echo-server.jar";
    private static final Path SOCKET_ACTIVATE = Path.of("/usr/bin/systemd-socket-activate");
    private static final Path SYSTEMD_ANALYZE = Path.of("/usr/bin/systemd-analyze");
    private static final Path XINETD = Path.of("/usr/sbin/xinetd");

    @Test
    void systemdAcceptsTheUnitsWithoutAWarning() throws Exception {
        assumeTrue(Files.isExecutable(SYSTEMD_ANALYZE), "no systemd-analyze here (package systemd)");
        Path units = deploy().resolve("systemd");
        Process verify = new ProcessBuilder(SYSTEMD_ANALYZE.toString(), "verify",
                units.resolve("nioecho.socket").toString(), units.resolve("nioecho.service").toString())
                .redirectErrorStream(true).start();
        verify.getOutputStream().close();
        byte[] output = verify.getInputStream().readAllBytes(); // ends when it exits: bounded by its wait below
        assertTrue(verify.waitFor(60, TimeUnit.SECONDS), "systemd-analyze verify ended");
        String text = new String(output, StandardCharsets.UTF_8);
        List<String> complaints = Arrays.stream(text.split("\n"))
                .filter(line -> line.contains("nioecho") || line.contains("/usr/bin/java")).toList();
        assertEquals(0, verify.exitValue(), text);
        assertEquals(List.of(), complaints, "systemd-analyze verify says:\n" + text);
    }

    @Test
    void theServicesExecStartServesTheInheritedListenerAndDrains() throws Exception {
        List<String> command = execStart(Files.readAllLines(deploy().resolve("systemd/nioecho.service")));
        assertEquals("/usr/bin/java", command.get(0));
        assertTrue(command.contains("--inherited"), command.toString());
        servesUnderSocketActivation(command);
    }

    @Test
    void theXinetdWrapperServesTheInheritedListenerAndDrains(@TempDir Path dir) throws Exception {
        Path wrapper = dir.resolve("nioecho-xinetd");
        String text = Files.readString(deploy().resolve("xinetd/nioecho-xinetd"));
        assertTrue(text.contains(INSTALLED_JAR), "the wrapper runs " + INSTALLED_JAR);
        Files.writeString(wrapper, text.replace(INSTALLED_JAR, ServerProcess.defaultJar().toAbsolutePath().toString()));
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
        servesUnderSocketActivation(List.of(wrapper.toString()));
    }

    /**
     * The xinetd sample under a real xinetd (when it is installed and this runs as root, so that
     * it can switch to {@code nobody}): only the port and the two paths changed. xinetd leaves a
     * {@code wait = yes} server running when it exits, so the server gets the SIGTERM itself.
     */
    @Test
    void theXinetdSampleServesUnderXinetd(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isExecutable(XINETD), "no xinetd here (package xinetd)");
        assumeTrue("root".equals(System.getProperty("user.name")), "xinetd switches to user nobody: needs root");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x")); // nobody reads the jar
        Path jar = Files.copy(ServerProcess.defaultJar(), dir.resolve("echo-server.jar"));
        Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));
        Path wrapper = dir.resolve("nioecho-xinetd");
        Files.writeString(wrapper, Files.readString(deploy().resolve("xinetd/nioecho-xinetd")).replace(INSTALLED_JAR, jar.toString()));
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
        int port = Listening.freeLoopbackPort();
        String sample = Files.readString(deploy().resolve("xinetd/nioecho"));
        assertTrue(sample.contains("= 9877") && sample.contains("= /opt/nioecho/bin/nioecho-xinetd"), sample);
        Path config = dir.resolve("xinetd.conf");
        Files.writeString(config, sample.replace("= 9877", "= " + port)
                .replace("= /opt/nioecho/bin/nioecho-xinetd", "= " + wrapper));
        try (ServerProcess xinetd = ServerProcess.command(XINETD.toString(), "-f", config.toString(), "-dontfork",
                "-pidfile", dir.resolve("xinetd.pid").toString()).readyWhenListening(port).start()) {
            InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
            byte[] first = random(100_000, 3);
            assertArrayEquals(first, echo(address, first));
            assertArrayEquals(first, echo(address, first), "the same server serves the next connection");
            ProcessHandle server = ProcessHandle.of(xinetd.pid()).orElseThrow().descendants()
                    .filter(p -> p.info().commandLine().orElse("").contains(jar.toString())).findFirst()
                    .orElseThrow(() -> new AssertionError("no echo-server under xinetd"));
            assertEquals("nobody", server.info().user().orElse("?"));
            String stdin = Files.readSymbolicLink(Path.of("/proc/" + server.pid() + "/fd/0")).toString();
            assertTrue(TcpTable.onPort(port).stream().anyMatch(e -> e.state() == TcpState.LISTEN
                            && e.local().getPort() == port && stdin.equals("socket:[" + e.inode() + "]")),
                    "the server's standard input is the listening socket (wait = yes): " + stdin);
            assertTrue(server.destroy(), "SIGTERM sent"); // Process.destroy is SIGTERM
            server.onExit().get(30, TimeUnit.SECONDS);
        }
    }

    /** Runs {@code command} (the installed jar's path replaced) with a listening socket on standard input. */
    private static void servesUnderSocketActivation(List<String> command) throws Exception {
        assumeTrue(Files.isExecutable(SOCKET_ACTIVATE), "no systemd-socket-activate here (package systemd)");
        int port = Listening.freeLoopbackPort();
        List<String> activated = new ArrayList<>(List.of(SOCKET_ACTIVATE.toString(), "-l", "127.0.0.1:" + port, "--inetd"));
        for (String word : command) {
            activated.add(word.equals(INSTALLED_JAR) ? ServerProcess.defaultJar().toAbsolutePath().toString() : word);
        }
        try (ServerProcess server = ServerProcess.command(activated).name("nioecho-activated")
                .readyWhenListening(port).start()) {
            InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
            byte[] first = random(100_000, 1);
            byte[] second = random(1, 2);
            assertArrayEquals(first, echo(address, first));
            assertArrayEquals(second, echo(address, second), "the same server serves the next connection");
            server.signal("TERM");
            assertEquals(0, server.awaitExit(Duration.ofSeconds(30)), server.lastOutput());
            assertFalse(server.stderr().stream().anyMatch(l -> l.contains("Exception") || l.contains("\tat ")),
                    "no stack trace: " + server.lastOutput());
        }
    }

    /** The words of the unit's ExecStart= line (one line, no quoting: the shipped unit needs none). */
    static List<String> execStart(List<String> unit) {
        List<String> lines = unit.stream().filter(l -> l.startsWith("ExecStart=")).toList();
        assertEquals(1, lines.size(), "one ExecStart= line: " + lines);
        String line = lines.get(0).substring("ExecStart=".length()).trim();
        assertFalse(line.endsWith("\\") || line.contains("\"") || line.contains("'") || line.contains("$"),
                "ExecStart= is one line of plain words: " + line);
        return List.of(line.split("\\s+"));
    }

    private static byte[] echo(InetSocketAddress address, byte[] payload) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(address, 10_000);
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            out.write(payload); // the server echoes while it reads: at most its high-water mark is held
            socket.shutdownOutput();
            InputStream in = socket.getInputStream();
            return in.readAllBytes();
        }
    }

    private static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /** {@code deploy/} of this checkout: under the working directory or a parent of it. */
    static Path deploy() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("deploy/systemd/nioecho.service"))) {
                return dir.resolve("deploy");
            }
        }
        throw new IllegalStateException("deploy/systemd/nioecho.service not found above " + Path.of("").toAbsolutePath());
    }
}
