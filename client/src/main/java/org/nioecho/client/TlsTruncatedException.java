package org.nioecho.client;

import javax.net.ssl.SSLException;

/** The peer closed TCP without sending TLS {@code close_notify}: what was received may be cut short. */
public final class TlsTruncatedException extends SSLException {
    private static final long serialVersionUID = 1L;

    public TlsTruncatedException(String message) {
        super(message);
    }
}
