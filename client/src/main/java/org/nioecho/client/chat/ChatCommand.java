package org.nioecho.client.chat;

import org.nioecho.client.EchoClientCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.util.concurrent.Callable;

/** {@code echo-client chat}: standard input to the server, its echo to standard output (the default). */
@Command(name = "chat", mixinStandardHelpOptions = true, versionProvider = EchoClientCommand.Version.class,
        sortOptions = false, usageHelpAutoWidth = true,
        description = {"Send standard input to the server and write the echo to standard output.",
            "Lines typed at a terminal and binary files (echo-client < file > out) both work. On input EOF"
                + " the client half-closes and reads until the server's EOF. Watches the socket while waiting"
                + " for input, so a server that goes away is reported at once.",
            "--udp: each line (with its newline) is one datagram, each echoed datagram is written unchanged; at input"
                + " EOF the client waits for owed echoes at most --timeout (0: 2s): exit 0 when all came back, 7 when"
                + " some did not, 3 on ICMP port unreachable, 2 for a line over 65,507 bytes."},
        exitCodeListHeading = "%nExit codes:%n",
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
public final class ChatCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Mixin
    private ChatOptions chat;

    @Override
    public Integer call() throws Exception {
        return runChat(spec, chat);
    }

    /** Runs chat on this process's standard streams. */
    public static int runChat(CommandSpec spec, ChatOptions options) throws Exception {
        ChatSession session;
        try {
            options.validate();
            if (options.udp()) {
                return new UdpChatSession(options, new FileInputStream(FileDescriptor.in),
                        new FileOutputStream(FileDescriptor.out), spec.commandLine().getErr()).run();
            }
            session = new ChatSession(options, new FileInputStream(FileDescriptor.in),
                    new FileOutputStream(FileDescriptor.out), spec.commandLine().getErr());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        return session.run();
    }
}
