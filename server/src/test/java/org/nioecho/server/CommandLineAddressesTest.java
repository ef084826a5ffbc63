package org.nioecho.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The addresses the command line listens on ({@code --listen}, {@code --tls-listen}, the simple
 * form's {@code --bind}/{@code --port}, none with {@code --inherited}), the options that do not
 * go together, and the names and counts its messages use; read back in this JVM: nothing starts.
 */
@ExtendWith(KeepsRootLogLevel.class)
class CommandLineAddressesTest {
    private static EchoServerCommand parsed(String... args) {
        CommandLine command = EchoServerCommand.commandLine();
        command.parseArgs(args);
        return command.getCommand();
    }

    private static List<InetSocketAddress> listenAddresses(String... args) {
        EchoServerCommand command = parsed(args);
        return command.listenAddresses(command.config(null));
    }

    private static void refused(String message, Runnable parse) {
        assertEquals(message, assertThrows(ParameterException.class, parse::run).getMessage());
    }

    @Test
    void theSimpleFormListensOnBindAndPort() {
        assertEquals(List.of(new InetSocketAddress("127.0.0.1", 9877)), listenAddresses("--port", "9877"));
        assertEquals(List.of(new InetSocketAddress("::1", 0)), listenAddresses("--bind", "::1", "--port", "0"));
    }

    @Test
    void eachListenIsParsedInTheOrderGiven() {
        assertEquals(List.of(new InetSocketAddress("127.0.0.1", 9877), new InetSocketAddress("::1", 9878)),
                listenAddresses("--listen", "127.0.0.1:9877", "--listen", "[::1]:9878"));
        refused("Invalid value for option '--listen': --port is the simple form of a single --listen; give the port in each"
                + " --listen instead", () -> listenAddresses("--listen", "127.0.0.1:9877", "--port", "9878"));
        ParameterException bad = assertThrows(ParameterException.class, () -> listenAddresses("--listen", "127.0.0.1:x"));
        assertEquals(true, bad.getMessage().startsWith("Invalid value for option '--listen': "), bad.getMessage());
    }

    @Test
    void inheritedListensOnNothingOfItsOwnAndTakesNoAddressOrStdinControl() {
        assertEquals(List.of(), listenAddresses("--inherited"));
        String noAddress = "Invalid value for option '--inherited': the super-server passes the socket: --listen and --port"
                + " do not go with it";
        refused(noAddress, () -> listenAddresses("--inherited", "--listen", "127.0.0.1:9877"));
        refused(noAddress, () -> listenAddresses("--inherited", "--port", "9877"));
        refused("Invalid value for option '--inherited': standard input is the socket: --stdin-control does not go with it",
                () -> listenAddresses("--inherited", "--stdin-control"));
    }

    @Test
    void tlsListenAddressesAreParsedAndRefusedWithInherited() {
        assertEquals(List.of(), parsed().tlsListenAddresses());
        assertEquals(List.of(new InetSocketAddress("127.0.0.1", 9443), new InetSocketAddress("::1", 9444)),
                parsed("--tls-listen", "127.0.0.1:9443", "--tls-listen", "[::1]:9444").tlsListenAddresses());
        refused("Invalid value for option '--tls-listen': the super-server passes the socket: --tls-listen does not go with"
                + " --inherited (use --tls)", () -> parsed("--inherited", "--tls-listen", "127.0.0.1:9443").tlsListenAddresses());
    }

    @Test
    void theStartLineListsEveryAddressPlainFirst() {
        List<InetSocketAddress> plain = List.of(new InetSocketAddress("127.0.0.1", 9877));
        List<InetSocketAddress> tls = List.of(new InetSocketAddress("::1", 9443));
        List<InetSocketAddress> all = EchoServerCommand.concat(plain, tls);
        assertEquals(List.of(plain.get(0), tls.get(0)), all);
        assertEquals("127.0.0.1:9877 [::1]:9443", EchoServerCommand.formatAll(all));
    }

    @Test
    void autoReactorsAreTheAvailableProcessors() {
        int expected = Math.min(Runtime.getRuntime().availableProcessors(), ServerConfig.MAX_REACTORS);
        assertEquals(expected, parsed("--reactors", "auto").config(null).reactors());
        assertEquals(expected, parsed("--reactors", "AUTO").config(null).reactors());
    }

    /**
     * From an argument file the option's name is not among the arguments given: the message
     * names it as {@code --admin-port}, its current name.
     */
    @Test
    void anAdminPortFromAnArgumentFileIsNamedAdminPort(@TempDir Path dir) throws Exception {
        Path arguments = Files.writeString(dir.resolve("args"), "--admin-port 70000\n");
        refused("Invalid value for option '--admin-port': 70000 is not a port (0..65535)",
                () -> parsed("@" + arguments).config(null));
        refused("Invalid value for option '--metrics-port': 70000 is not a port (0..65535)",
                () -> parsed("--metrics-port", "70000").config(null));
    }
}
