package org.nioecho.server;

import java.nio.channels.SelectionKey;

/**
 * What a {@link SelectionKey}'s attachment is: the reactor calls it when its key is
 * ready, with no switch on event type in the loop.
 */
interface ChannelHandler {
    /** Handles the ready operations of {@code key}; called on the reactor thread only. */
    void ready(SelectionKey key);

    /** Ends the handler's channel for {@code cause}; called on the reactor thread only. */
    void close(CloseCause cause);
}
