package org.nioecho.server;

/**
 * Why a received datagram was not answered: the {@code reason} tag of
 * {@code echo.server.datagrams.dropped}.
 */
public enum DatagramDrop {
    /**
     * From source port 0 (no reply can go there) or one of the classic services' ports 7, 9,
     * 13, 19, 37 (echo, discard, daytime, chargen, time): answering would start a loop,
     * echo against chargen, as inetd knew.
     */
    ABUSE_PORT("abuse.port"),
    /** From one of the server's own UDP ports on an address of this host: answering would echo to itself. */
    OWN_ADDRESS("own.address"),
    /** Over the per-source rate limit, {@code --udp-rate}. */
    RATE("rate"),
    /** The socket's send buffer was full: the reply is dropped, never queued (UDP semantics). */
    SEND_BUFFER_FULL("send.buffer.full"),
    /** The reply could not be sent (e.g. no route to the source), or receiving failed. */
    ERROR("error");

    private final String tag;

    DatagramDrop(String tag) {
        this.tag = tag;
    }

    /** The metric tag value. */
    public String tag() {
        return tag;
    }
}
