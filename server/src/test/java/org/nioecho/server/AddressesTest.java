package org.nioecho.server;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Addresses in the start line and the logs: IPv6 in its RFC 5952 short form. */
class AddressesTest {

    @Test
    void writesIpv6ShortAndInBrackets() throws Exception {
        assertEquals("[::1]:9877", format("::1", 9877));
        assertEquals("[::]:7", format("::", 7));
        assertEquals("[2001:db8::1]:80", format("2001:db8:0:0:0:0:0:1", 80));
        assertEquals("[1:0:0:1::1]:80", format("1:0:0:1:0:0:0:1", 80), "the longer run of zeros is the one left out");
        assertEquals("[1::1:0:0:1]:80", format("1:0:0:0:1:0:0:1", 80), "the longer run, the first here");
        assertEquals("[1::1:0:0:1:1]:80", format("1:0:0:1:0:0:1:1", 80), "of equal runs, the first");
        assertEquals("[1:0:1:0:1:0:1:0]:80", format("1:0:1:0:1:0:1:0", 80), "a single zero group stays");
        assertEquals("[fe80::abcd]:1", format("fe80:0:0:0:0:0:0:ABCD", 1));
    }

    @Test
    void writesIpv4AndUnresolvedNamesAsTheyAre() throws Exception {
        assertEquals("127.0.0.1:9877", format("127.0.0.1", 9877));
        assertEquals("127.0.0.1:9877", format("::ffff:127.0.0.1", 9877), "an IPv4-mapped address is IPv4");
        assertEquals("example.invalid:9", Addresses.format(InetSocketAddress.createUnresolved("example.invalid", 9)));
    }

    @Test
    void listenAddressesAtTheEndsOfThePortRange() {
        assertEquals(0, Addresses.parse("127.0.0.1:0").getPort(), "0 picks a free port");
        assertEquals(65535, Addresses.parse("127.0.0.1:65535").getPort());
    }

    @Test
    void eachBadListenAddressSaysWhatIsWrong() {
        refused(":9877", "':9877' is not HOST:PORT (IPv6 in brackets: [::1]:9877)");
        refused("127.0.0.1:", "'127.0.0.1:' is not HOST:PORT (IPv6 in brackets: [::1]:9877)");
        refused("127.0.0.1:x9", "'127.0.0.1:x9': 'x9' is not a port");
        refused("127.0.0.1:65536", "'127.0.0.1:65536': 65536 is not a port (0..65535)");
        refused("127.0.0.1:-1", "'127.0.0.1:-1': -1 is not a port (0..65535)");
        refused("[]:80", "'[]:80': no host");
        refused("[::1:80", "'[::1:80': unbalanced brackets around the host");
        refused("::1:80", "'::1:80': an IPv6 address goes in brackets, e.g. [::1]:9877");
    }

    private static void refused(String text, String message) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, () -> Addresses.parse(text)).getMessage());
    }

    private static String format(String literal, int port) throws Exception {
        return Addresses.format(new InetSocketAddress(InetAddress.getByName(literal), port));
    }
}
