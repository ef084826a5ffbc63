package org.nioecho.client;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The top-level command: help lists the subcommands and exit codes; bad input is one line and exit 2. */
class CommandLineTest {
    @Test
    void helpGoesToStdoutAndListsSubcommandsAndExitCodes() {
        StringWriter out = new StringWriter();
        int code = EchoClientCommand.commandLine().setOut(new PrintWriter(out)).execute("--help");
        assertEquals(0, code);
        for (String expected : new String[] {"chat", "load", "states", "scenario", "Exit codes",
                "3 connection refused (ECONNREFUSED)", "6 broken pipe (EPIPE)", "8 host or network unreachable",
                "21 --tls: the server's certificate is not trusted", "23 --tls: the server closed TCP without close_notify"}) {
            // the code column is as wide as the widest code
            assertTrue(out.toString().replaceAll(" +", " ").contains(expected), "missing '" + expected + "' in\n" + out);
        }
    }

    @Test
    void loadHelpListsItsExitCodes() {
        StringWriter out = new StringWriter();
        EchoClientCommand.commandLine().setOut(new PrintWriter(out)).execute("load", "--help");
        assertTrue(out.toString().contains("10   echo mismatch"), out.toString());
        assertTrue(out.toString().contains("11   connection errors"), out.toString());
        assertTrue(out.toString().contains("12   rate: the generator could not keep the requested rate"), out.toString());
        assertTrue(out.toString().contains("13   --udp: more datagrams lost than --max-loss allows"), out.toString());
    }

    /** picocli ends a line after each description element: each must be whole sentences. */
    @Test
    void everyHelpParagraphIsWholeSentences() {
        List<CommandLine> commands = new ArrayList<>(List.of(EchoClientCommand.commandLine()));
        commands.addAll(commands.get(0).getSubcommands().values());
        for (CommandLine command : commands) {
            for (String paragraph : command.getCommandSpec().usageMessage().description()) {
                assertTrue(paragraph.endsWith(".") || paragraph.endsWith(":") || paragraph.endsWith(")"),
                        command.getCommandName() + ": a paragraph ends mid-sentence: '" + paragraph + "'");
            }
        }
    }

    @Test
    void badValuesAreOneLinePlusUsageAndExitTwo() {
        for (String[] args : new String[][] {{"--timeout", "soon"}, {"chat", "--port", "0"},
                {"--keepalive-idle", "500ms"}, {"load", "--size", "1GiB"}, {"load", "--duration", "0"},
                {"--no-such-option"}}) {
            StringWriter err = new StringWriter();
            int code = EchoClientCommand.commandLine().setErr(new PrintWriter(err)).execute(args);
            assertEquals(2, code, String.join(" ", args) + ": " + err);
            String first = err.toString().lines().findFirst().orElse("");
            assertTrue(first.startsWith("Invalid value") || first.startsWith("Invalid configuration")
                    || first.startsWith("Unknown option"), String.join(" ", args) + ": " + err);
            assertTrue(err.toString().contains("Usage: echo-client"), err.toString());
        }
    }

    @Test
    void tlsDoesNotGoWithUdp() {
        for (String[] args : new String[][] {{"--udp", "--tls"}, {"chat", "--udp", "--tls"}, {"load", "--udp", "--tls"}}) {
            StringWriter err = new StringWriter();
            int code = EchoClientCommand.commandLine().setErr(new PrintWriter(err)).execute(args);
            assertEquals(2, code, String.join(" ", args) + ": " + err);
            assertTrue(err.toString().lines().findFirst().orElse("").contains("it does not go with --udp"), err.toString());
        }
    }
}
