package org.nioecho.server;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.util.Collections;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which sources count as the server's own endpoints: its ports on this host's addresses. */
class OwnEndpointsTest {
    private static InetSocketAddress at(String host, int port) {
        return new InetSocketAddress(host, port);
    }

    @Test
    void aSpecificBindCoversItsPortOnEveryLocalAddressAndEveryListenersPort() {
        OwnEndpoints own = new OwnEndpoints();
        own.add(at("127.0.0.1", 9877));
        own.add(at("::1", 9878));
        assertTrue(own.isOwn(at("127.0.0.1", 9877)), "itself");
        assertTrue(own.isOwn(at("127.0.0.2", 9877)), "its port on another loopback address");
        assertTrue(own.isOwn(at("::1", 9877)));
        assertTrue(own.isOwn(at("127.0.0.1", 9878)), "the other listener's port: a loop between the two");
        assertFalse(own.isOwn(at("127.0.0.1", 9879)), "a client's port");
        assertFalse(own.isOwn(at("192.0.2.1", 9877)), "a remote host (TEST-NET-1) using the same port");
    }

    @Test
    void aWildcardBindCoversTheHostsInterfaceAddresses() throws Exception {
        OwnEndpoints own = new OwnEndpoints();
        own.add(at("0.0.0.0", 7777));
        assertTrue(own.isOwn(at("127.0.0.1", 7777)));
        assertTrue(own.isOwn(at("0.0.0.0", 7777)), "the wildcard address itself");
        assertFalse(own.isOwn(at("192.0.2.1", 7777)));
        assertFalse(own.isOwn(at("127.0.0.1", 7778)));
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            for (InetAddress address : Collections.list(nic.getInetAddresses())) {
                assertTrue(own.isOwn(new InetSocketAddress(address, 7777)), nic.getName() + " " + address);
                assertFalse(own.isOwn(new InetSocketAddress(address, 7776)), nic.getName() + " " + address);
            }
        }
    }
}
