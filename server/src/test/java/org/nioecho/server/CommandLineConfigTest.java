package org.nioecho.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The configuration the command line builds from the last accepted value of each range
 * (the refused ones are in {@link OptionRangeTest}), read back in this JVM: nothing starts.
 * The command's only public way in is {@code call()}, which runs the server until a signal,
 * so this reaches its private {@code config()} by reflection.
 */
@ExtendWith(KeepsRootLogLevel.class)
class CommandLineConfigTest {
    private static ServerConfig config(String... args) throws Exception {
        CommandLine command = EchoServerCommand.commandLine();
        command.parseArgs(args);
        return ((EchoServerCommand) command.getCommand()).config(null); // plain TCP: no TLS files to load
    }

    /** With no options, each value is the default the README's table and {@code --help} give. */
    @Test
    void withNoOptionsEveryValueIsTheDocumentedDefault() throws Exception {
        ServerConfig config = config();
        assertEquals(9877, config.port());
        assertEquals("127.0.0.1", config.bindAddress());
        assertEquals(1024, config.backlog());
        assertEquals(100_000, config.maxConnections());
        assertEquals(Duration.ZERO, config.idleTimeout());
        assertEquals(64 * 1024, config.highWaterBytes());
        assertEquals(32 * 1024, config.lowWaterBytes());
        assertEquals(64 * 1024, config.readBufferBytes());
        assertEquals(0, config.sendBufferBytes());
        assertEquals(Duration.ofSeconds(1), config.acceptBackoff());
        assertEquals(Duration.ofSeconds(5), config.drainTimeout());
        assertEquals(Duration.ofSeconds(60), config.writeTimeout(), "on by default");
        assertEquals(64L << 20, config.maxOutputMemoryBytes());
        assertEquals(Duration.ofSeconds(1), config.pressureWriteTimeout());
        assertEquals(1, config.reactors());
        assertEquals(List.of(), config.faults());
        assertFalse(config.udp());
        assertEquals(0, config.udpRatePerSecond());
    }

    @Test
    void portsAtBothEndsOfTheirRangeAreAccepted() throws Exception {
        assertEquals(0, config("--port", "0").port());
        assertEquals(65535, config("--port", "65535").port());
        assertEquals(1, config("--backlog", "1").backlog());
        assertEquals(1, config("--max-connections", "1").maxConnections());
        config("--admin-port", "0");
        config("--admin-port", "65535");
        config("--metrics-port", "65535");
    }

    @Test
    void limitsJustInsideTheirRangeAreAccepted() throws Exception {
        assertEquals(ServerConfig.MAX_UDP_RATE_PER_SECOND, config("--udp", "--udp-rate", "100000000").udpRatePerSecond());
        config("--live-timeout", "100ms");
        assertEquals(ServerConfig.MAX_REACTORS, config("--reactors", "256").reactors());
        assertEquals(1, config("--reactors", "1").reactors());
        TlsConfig tls = TlsConfig.ephemeral(Duration.ofSeconds(1));
        assertEquals(32 * 1024, configWith(tls, "--high-water", "32KiB", "--low-water", "1KiB").highWaterBytes());
    }

    @Test
    void eachRefusalNamesItsOwnRule() {
        refused("Invalid value for option '--max-output-memory': '32KiB' must be at least the high-water mark (64KiB)",
                "--max-output-memory", "32KiB");
        refused("Invalid value for option '--live-timeout': '99ms' is too short (at least 100ms)", "--live-timeout", "99ms");
        TlsConfig tls = TlsConfig.ephemeral(Duration.ofSeconds(1));
        ParameterException e = assertThrows(ParameterException.class,
                () -> configWith(tls, "--high-water", "32767", "--low-water", "1KiB"));
        assertEquals("Invalid value for option '--high-water': '32767' is below 32KiB, too small for TLS records"
                + " (up to about 16.3KiB each)", e.getMessage());
    }

    private static void refused(String message, String... args) {
        assertEquals(message, assertThrows(ParameterException.class, () -> config(args)).getMessage());
    }

    private static ServerConfig configWith(TlsConfig tls, String... args) {
        CommandLine command = EchoServerCommand.commandLine();
        command.parseArgs(args);
        return ((EchoServerCommand) command.getCommand()).config(tls);
    }

    @Test
    void sizesAtTheirLimitsAreAccepted() throws Exception {
        assertEquals(64, config("--read-buffer", "64").readBufferBytes());
        assertEquals(0, config().sendBufferBytes(), "the kernel's default unless told");
        assertEquals(4096, config("--send-buffer", "4KiB").sendBufferBytes());
        ServerConfig tight = config("--high-water", "64KiB", "--max-output-memory", "64KiB");
        assertEquals(65536, tight.maxOutputMemoryBytes(), "the budget may equal the high-water mark");
        assertEquals(ServerConfig.MAX_OUTPUT_MEMORY_BYTES, config("--max-output-memory", "1024GiB").maxOutputMemoryBytes());
        assertEquals(ServerConfig.MAX_OUTPUT_MEMORY_BYTES, config("--max-output-memory", "1TiB").maxOutputMemoryBytes(),
                "the limit the message names is accepted as written");
        ServerConfig marks = config("--high-water", "1KiB", "--low-water", "1023", "--max-output-memory", "2KiB");
        assertEquals(1024, marks.highWaterBytes());
        assertEquals(1023, marks.lowWaterBytes());
        assertEquals(2048, marks.maxOutputMemoryBytes());
    }

    @Test
    void durationsUpToTheLongestAreAcceptedAndKept() throws Exception {
        ServerConfig longest = config("--idle-timeout", "24h", "--accept-backoff", "24h", "--drain-timeout", "24h",
                "--write-timeout", "24h", "--pressure-write-timeout", "24h");
        assertEquals(ServerConfig.MAX_DURATION, longest.idleTimeout());
        assertEquals(ServerConfig.MAX_DURATION, longest.acceptBackoff());
        assertEquals(ServerConfig.MAX_DURATION, longest.drainTimeout());
        assertEquals(ServerConfig.MAX_DURATION, longest.writeTimeout());
        assertEquals(ServerConfig.MAX_DURATION, longest.pressureWriteTimeout());
        ServerConfig off = config("--idle-timeout", "0", "--write-timeout", "0", "--pressure-write-timeout", "0",
                "--drain-timeout", "0", "--accept-backoff", "1ms");
        assertEquals(Duration.ZERO, off.idleTimeout());
        assertEquals(Duration.ZERO, off.writeTimeout());
        assertEquals(Duration.ofMillis(1), off.acceptBackoff());
    }

    @Test
    void faultsAndTheirSeedReachTheConfiguration() throws Exception {
        ServerConfig faulty = config("--fault", "reset:after=1024", "--fault", "latency:delay=PT0.2S", "--fault-seed", "42");
        assertEquals(List.of("reset:after=1KiB", "latency:delay=200ms"), faulty.faults().stream().map(FaultSpec::text).toList());
        assertEquals(42, faulty.faultSeed());

        List<String> most = new ArrayList<>();
        for (int i = 0; i < FaultSpecs.MAX_SPECS; i++) {
            most.add("--fault");
            most.add("blackhole");
        }
        assertEquals(FaultSpecs.MAX_SPECS, config(most.toArray(String[]::new)).faults().size());
        most.add("--fault");
        most.add("blackhole");
        ParameterException tooMany = assertThrows(ParameterException.class, () -> config(most.toArray(String[]::new)));
        assertEquals("Invalid value for option '--fault': more than 64 faults", tooMany.getMessage());
    }
}
