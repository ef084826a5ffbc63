package org.nioecho.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Counts the server side of a port's TCP connections in {@code /proc/net/tcp} and
 * {@code tcp6}, cheaply (no address objects), so it can be polled while ten thousand
 * connections come up. The kernel's view: a connection counts once its handshake is done,
 * whether or not the server has accepted it yet.
 */
final class SocketCount {
    private static final String[] FILES = {"/proc/net/tcp", "/proc/net/tcp6"};
    private static final String LISTEN = "0A";

    private SocketCount() {
    }

    /** Sockets whose local port is {@code port}, in any state but LISTEN. */
    static int serverSide(int port) throws IOException {
        String portHex = String.format(":%04X", port);
        int count = 0;
        for (String file : FILES) {
            try (BufferedReader reader = Files.newBufferedReader(Path.of(file), StandardCharsets.US_ASCII)) {
                for (String line; (line = reader.readLine()) != null; ) {
                    if (matches(line, portHex, false)) {
                        count++;
                    }
                }
            } catch (NoSuchFileException e) {
                // no IPv6 here: nothing to count in tcp6
            }
        }
        return count;
    }

    /** {@code "  12: 0100007F:2691 0100007F:9C40 01 ..."}: local port in field 2, state in field 4. */
    static boolean matches(String line, String portHex, boolean listen) {
        String s = line.trim();
        int local = s.indexOf(' ');
        if (local < 0) {
            return false;
        }
        int localEnd = s.indexOf(' ', local + 1);
        if (localEnd < 0 || !s.startsWith(portHex, localEnd - portHex.length())) {
            return false;
        }
        int remoteEnd = s.indexOf(' ', localEnd + 1);
        if (remoteEnd < 0 || remoteEnd + 3 > s.length()) {
            return false;
        }
        boolean isListen = s.startsWith(LISTEN, remoteEnd + 1);
        return listen == isListen;
    }
}
