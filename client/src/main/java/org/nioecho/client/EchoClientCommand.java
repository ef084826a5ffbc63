package org.nioecho.client;

import org.nioecho.client.chat.ChatCommand;
import org.nioecho.client.chat.ChatOptions;
import org.nioecho.client.load.LoadCommand;
import org.nioecho.client.scenario.ScenarioCommand;
import org.nioecho.client.states.StatesCommand;
import org.nioecho.client.trace.TraceCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

import java.util.concurrent.Callable;

/**
 * The client's command line: {@code java -jar echo-client.jar [chat options] | chat | load | states | trace | scenario}.
 * Without a subcommand it runs {@code chat}: standard input to the server, the echo to standard output.
 */
@Command(name = "echo-client", mixinStandardHelpOptions = true, versionProvider = EchoClientCommand.Version.class,
        sortOptions = false, usageHelpAutoWidth = true,
        subcommands = {ChatCommand.class, LoadCommand.class, StatesCommand.class, TraceCommand.class, ScenarioCommand.class},
        description = {"Client for the nioecho TCP echo server. Without a subcommand it runs 'chat':"
                + " standard input is sent to the server and the echo written to standard output."},
        exitCodeListHeading = "%nExit codes (chat):%n",
        exitCodeList = {
            "0:everything sent was echoed and the server closed after us",
            "1:unexpected failure (a stack trace is printed)",
            "2:bad usage: an invalid option or value, or an unknown host",
            "3:connection refused (ECONNREFUSED), or with --udp: ICMP port unreachable",
            "4:server terminated prematurely (EOF while echoes were owed, or while idle)",
            "5:connection reset (ECONNRESET)",
            "6:broken pipe (EPIPE): a write after the server reset the connection",
            "7:timed out (ETIMEDOUT, no echo within --timeout, or no connection within --connect-timeout; --udp: echoes missing after input EOF)",
            "8:host or network unreachable (EHOSTUNREACH, ENETUNREACH)",
            "20:--tls: the TLS handshake failed (refused by the server, or no TLS there)",
            "21:--tls: the server's certificate is not trusted (use --ca PEM, or --insecure)",
            "22:--tls: the server's certificate is for another host",
            "23:--tls: the server closed TCP without close_notify (truncation)"})
public final class EchoClientCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Mixin
    private ChatOptions chat;

    /** Runs the client; exits with the code documented in {@code --help}. */
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line with all subcommands, ready to {@code execute}. */
    public static CommandLine commandLine() {
        return new CommandLine(new EchoClientCommand());
    }

    @Override
    public Integer call() throws Exception {
        return ChatCommand.runChat(spec, chat);
    }

    /** The version from the jar's manifest. */
    public static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = EchoClientCommand.class.getPackage().getImplementationVersion();
            return new String[] {"nioecho echo-client " + (version == null ? "(development build)" : version),
                    "Java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")"};
        }
    }
}
