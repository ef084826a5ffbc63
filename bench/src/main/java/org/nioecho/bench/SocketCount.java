package org.nioecho.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Counts the server side of one address's TCP connections in {@code /proc/net/tcp} and
 * {@code tcp6}, cheaply (no address objects), so it can be polled while ten thousand
 * connections come up. The kernel's view: a connection counts once its handshake is done,
 * whether or not the server has accepted it yet.
 *
 * <p>A socket matches by its whole local address, not by its port alone: the table is the
 * machine's, and other programs' sockets on another local address (say 127.0.0.2) may have
 * the same port number, e.g. a client's ephemeral port or its TIME_WAIT leftover.
 */
final class SocketCount {
    private static final String[] FILES = {"/proc/net/tcp", "/proc/net/tcp6"};
    private static final String LISTEN = "0A";
    private static final String ANY_V4 = "00000000";
    private static final String ANY_V6 = "00000000000000000000000000000000";

    private SocketCount() {
    }

    /** Sockets whose local address is {@code local} (address and port), in any state but LISTEN. */
    static int serverSide(InetSocketAddress local) throws IOException {
        List<String> locals = procForms(local, false);
        int count = 0;
        for (String file : FILES) {
            try (BufferedReader reader = Files.newBufferedReader(Path.of(file), StandardCharsets.US_ASCII)) {
                for (String line; (line = reader.readLine()) != null; ) {
                    if (matches(line, locals, false)) {
                        count++;
                    }
                }
            } catch (NoSuchFileException e) {
                // no IPv6 here: nothing to count in tcp6
            }
        }
        return count;
    }

    /**
     * {@code "  12: 0100007F:2691 0100007F:9C40 01 ..."}: whether the local address (field 2) is
     * exactly one of {@code locals} and the state (field 4) is LISTEN or, with {@code listen} false, not.
     */
    static boolean matches(String line, List<String> locals, boolean listen) {
        String s = line.trim();
        int local = s.indexOf(' ');
        if (local < 0) {
            return false;
        }
        int localEnd = s.indexOf(' ', local + 1);
        if (localEnd < 0 || !isOneOf(s, local + 1, localEnd, locals)) {
            return false;
        }
        int remoteEnd = s.indexOf(' ', localEnd + 1);
        if (remoteEnd < 0 || remoteEnd + 3 > s.length()) {
            return false;
        }
        boolean isListen = s.startsWith(LISTEN, remoteEnd + 1);
        return listen == isListen;
    }

    private static boolean isOneOf(String s, int from, int to, List<String> candidates) {
        for (String candidate : candidates) {
            if (candidate.length() == to - from && s.startsWith(candidate, from)) {
                return true;
            }
        }
        return false;
    }

    /**
     * How {@code /proc/net/tcp[6]} spells {@code address}: {@code ADDRESS:PORT} in hex, the address
     * as 32-bit words in the machine's byte order; an IPv4 address also in its IPv4-mapped IPv6 form
     * (tcp6), and with {@code wildcards} the same port on 0.0.0.0 and ::.
     */
    static List<String> procForms(InetSocketAddress address, boolean wildcards) {
        String port = String.format(":%04X", address.getPort());
        byte[] ip = address.getAddress().getAddress();
        List<String> forms = new ArrayList<>();
        if (address.getAddress() instanceof Inet4Address) {
            forms.add(words(ip) + port);
            byte[] mapped = new byte[16];
            mapped[10] = (byte) 0xff;
            mapped[11] = (byte) 0xff;
            System.arraycopy(ip, 0, mapped, 12, 4);
            forms.add(words(mapped) + port);
        } else {
            forms.add(words(ip) + port);
        }
        if (wildcards) {
            forms.add(ANY_V4 + port);
            forms.add(ANY_V6 + port);
        }
        return forms;
    }

    private static String words(byte[] ip) {
        StringBuilder hex = new StringBuilder(ip.length * 2);
        boolean little = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
        for (int word = 0; word < ip.length; word += 4) {
            for (int i = 0; i < 4; i++) {
                hex.append(String.format("%02X", ip[word + (little ? 3 - i : i)] & 0xff));
            }
        }
        return hex.toString();
    }
}
