package org.nioecho.server;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the server writes when a super-server runs it ({@code --inherited}).
 *
 * <ul>
 *   <li>inetd, xinetd, {@code systemd-socket-activate --inetd} and systemd's
 *       {@code StandardInput=socket} (whose output defaults to the input) make standard
 *       output, sometimes standard error too, the very socket on standard input. Nothing but
 *       the echo may reach a client: a stream that is that socket gets nothing. The start line
 *       and summary go to standard error instead; if that is the socket as well, logs and
 *       lines are dropped (a unit should say {@code StandardError=journal}).</li>
 *   <li>When an inherited channel is closed, the JDK points descriptors 0, 1 and 2 at
 *       /dev/null (so that the socket really closes). The streams kept here are reopened
 *       through {@code /proc/self/fd/N} (a file, pipe or terminal), so that lines written
 *       after that, the summary among them, still arrive. A stream that cannot be reopened
 *       (another socket, e.g. the journal's) is used as it is.</li>
 * </ul>
 *
 * @param console where the start line and the summary go
 * @param errors  where failures are reported; {@code System.err}, which the log follows, is set to the same
 */
record StandardStreams(PrintWriter console, PrintWriter errors) {

    /** Chooses the streams and points {@code System.out}/{@code System.err} at them; call before logging is set up. */
    static StandardStreams underSuperServer(PrintWriter out, PrintWriter err) {
        String input = link(0);
        boolean inputIsSocket = input != null && input.startsWith("socket:");
        // Without /proc, assume the inetd convention: standard output is the socket, standard error is not.
        boolean outIsSocket = input == null || (inputIsSocket && input.equals(link(1)));
        boolean errIsSocket = inputIsSocket && input.equals(link(2));
        PrintStream reopenedErr = errIsSocket ? new PrintStream(OutputStream.nullOutputStream(), true) : reopen(2);
        PrintWriter errors = err;
        if (reopenedErr != null) {
            System.setErr(reopenedErr);
            errors = errIsSocket ? new PrintWriter(Writer.nullWriter()) : new PrintWriter(reopenedErr, true);
        }
        if (outIsSocket) {
            System.setOut(new PrintStream(OutputStream.nullOutputStream(), true));
            return new StandardStreams(errors, errors);
        }
        PrintStream reopenedOut = reopen(1);
        if (reopenedOut == null) {
            return new StandardStreams(out, errors);
        }
        System.setOut(reopenedOut);
        return new StandardStreams(new PrintWriter(reopenedOut, true), errors);
    }

    /** What descriptor {@code fd} refers to, e.g. {@code socket:[4711]} or {@code /tmp/log}; null if unknown. */
    static String link(int fd) {
        try {
            return Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return null;
        }
    }

    /** A second handle on what {@code fd} refers to, appending; null if it cannot be opened (a socket, no /proc). */
    private static PrintStream reopen(int fd) {
        try {
            return new PrintStream(new FileOutputStream("/proc/self/fd/" + fd, true), true);
        } catch (IOException | SecurityException e) {
            return null;
        }
    }
}
