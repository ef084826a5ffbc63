package org.nioecho.server;

import java.io.IOException;
import java.net.InetSocketAddress;

/** A listening address could not be opened or bound (address in use, not local, no permission). */
public final class CannotListenException extends IOException {
    private static final long serialVersionUID = 1L;
    private final InetSocketAddress address;

    CannotListenException(InetSocketAddress address, Exception cause) {
        super(Addresses.format(address) + ": " + cause.getMessage(), cause);
        this.address = address;
    }

    /** The address that failed, as it was asked for. */
    public InetSocketAddress address() {
        return address;
    }

    /** The reason alone, e.g. {@code Address already in use}. */
    public String reason() {
        return getCause().getMessage();
    }
}
