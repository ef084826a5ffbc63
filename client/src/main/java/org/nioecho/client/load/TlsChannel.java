package org.nioecho.client.load;

import org.nioecho.client.TlsTruncatedException;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLHandshakeException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * One load connection's TLS, an {@link SSLEngine} driven by hand on the worker's selector
 * thread (no thread per connection): ciphertext buffers of one TLS record each way, the
 * handshake stepped as the socket allows, delegated tasks run inline (the worker is the
 * client: their CPU is the generator's own cost and shows in its CPU per message).
 * {@link #write} and {@link #read} work on plaintext like {@link SocketChannel}'s;
 * a FIN without {@code close_notify} is a {@link TlsTruncatedException}.
 */
final class TlsChannel {
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private final SSLEngine engine;
    private final SocketChannel channel;
    /** Ciphertext received, not yet unwrapped (kept in write mode). */
    private final ByteBuffer netIn;
    /** Ciphertext wrapped, not yet written (kept in read mode). */
    private final ByteBuffer netOut;
    private final ByteBuffer handshakeApp;
    private boolean handshakeDone;
    private boolean closeNotifyReceived;
    /** The last read stopped because the caller's buffer was full, so ciphertext may wait here. */
    private boolean readStoppedFull;

    TlsChannel(SSLEngine engine, SocketChannel channel) {
        this.engine = engine;
        this.channel = channel;
        int packet = engine.getSession().getPacketBufferSize();
        this.netIn = ByteBuffer.allocateDirect(packet);
        this.netOut = ByteBuffer.allocateDirect(packet);
        this.netOut.flip();
        this.handshakeApp = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize());
    }

    /**
     * Steps the handshake as far as the socket allows; true once it is done. After false, the
     * caller waits for OP_WRITE if {@link #wantsWrite}, else for OP_READ.
     */
    boolean handshake() throws IOException {
        if (!handshakeDone && engine.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING) {
            engine.beginHandshake();
        }
        while (!handshakeDone) {
            if (!flush()) {
                return false;
            }
            HandshakeStatus status = engine.getHandshakeStatus();
            switch (status) {
                case NEED_WRAP -> finishedIf(wrap(EMPTY));
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                    SSLEngineResult result = unwrap(handshakeApp);
                    if (result == null) {
                        return false;
                    }
                    finishedIf(result);
                }
                case NEED_TASK -> runTasks();
                case FINISHED, NOT_HANDSHAKING -> handshakeDone = true;
            }
        }
        flush(); // what is left waits for OP_WRITE (see wantsWrite)
        return true;
    }

    private void finishedIf(SSLEngineResult result) {
        if (result.getHandshakeStatus() == HandshakeStatus.FINISHED) {
            handshakeDone = true;
        }
    }

    /** Wrapped ciphertext waits for the socket: the caller should ask for OP_WRITE. */
    boolean wantsWrite() {
        return netOut.hasRemaining();
    }

    /** Encrypts as much of {@code src} as one record takes and sends it; the plaintext bytes taken (0 while the socket is full). */
    int write(ByteBuffer src) throws IOException {
        if (!flush()) {
            return 0;
        }
        int before = src.position();
        while (src.hasRemaining() && flush()) {
            if (wrap(src).bytesConsumed() == 0) {
                break;
            }
        }
        flush();
        return src.position() - before;
    }

    /**
     * Reads and decrypts into {@code dst} (which has room for a whole record); the plaintext
     * bytes, 0 for none yet, -1 after the server's close_notify; throws
     * {@link TlsTruncatedException} on a FIN without close_notify.
     */
    int read(ByteBuffer dst) throws IOException {
        int before = dst.position();
        readStoppedFull = false;
        while (!closeNotifyReceived) {
            if (dst.remaining() < engine.getSession().getApplicationBufferSize()) {
                readStoppedFull = true;
                break;
            }
            SSLEngineResult result = unwrap(dst);
            if (result == null) {
                break;
            }
            if (engine.getHandshakeStatus() == HandshakeStatus.NEED_TASK) {
                runTasks();
            }
            if (engine.getHandshakeStatus() == HandshakeStatus.NEED_WRAP) {
                wrap(EMPTY); // a key update, or the answer to close_notify
                flush();
            }
        }
        int n = dst.position() - before;
        return n == 0 && closeNotifyReceived ? -1 : n;
    }

    /** Whether ciphertext already received may hold more records (read again before waiting). */
    boolean hasBufferedInput() {
        return readStoppedFull && netIn.position() > 0 && !closeNotifyReceived;
    }

    /** A clean close: close_notify, written if the socket takes it now (best effort; the caller closes the socket). */
    void closeOutbound() {
        try {
            engine.closeOutbound();
            while (!engine.isOutboundDone()) {
                if (wrap(EMPTY).bytesProduced() == 0) {
                    break;
                }
            }
            flush();
        } catch (IOException e) {
            // the socket is closing anyway; the failure that ended it was counted already
        }
    }

    private SSLEngineResult wrap(ByteBuffer src) throws IOException {
        netOut.compact();
        try {
            SSLEngineResult result = engine.wrap(src, netOut);
            if (result.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                throw new IllegalStateException("TLS record larger than the packet buffer");
            }
            return result;
        } finally {
            netOut.flip();
        }
    }

    /** Unwraps one record; null when more ciphertext is needed and the socket has none now. */
    private SSLEngineResult unwrap(ByteBuffer dst) throws IOException {
        while (true) {
            netIn.flip();
            SSLEngineResult result;
            try {
                result = engine.unwrap(netIn, dst);
            } finally {
                netIn.compact();
            }
            switch (result.getStatus()) {
                case OK -> {
                    return result;
                }
                case CLOSED -> {
                    closeNotifyReceived = true;
                    return result;
                }
                case BUFFER_OVERFLOW -> {
                    readStoppedFull = true;
                    return null; // dst is full: the caller empties it and reads again
                }
                case BUFFER_UNDERFLOW -> {
                    int n = channel.read(netIn);
                    if (n < 0) {
                        if (!handshakeDone) {
                            throw new SSLHandshakeException("the server closed the connection during the TLS handshake");
                        }
                        throw new TlsTruncatedException("the server closed the connection without close_notify");
                    }
                    if (n == 0) {
                        return null;
                    }
                }
            }
        }
    }

    /** Writes pending ciphertext; true when none is left. */
    private boolean flush() throws IOException {
        while (netOut.hasRemaining()) {
            if (channel.write(netOut) == 0) {
                return false;
            }
        }
        return true;
    }

    private void runTasks() {
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            task.run();
        }
    }

    /** The engine, for its session (protocol, certificate). */
    SSLEngine engine() {
        return engine;
    }
}
