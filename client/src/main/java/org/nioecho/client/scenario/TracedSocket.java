package org.nioecho.client.scenario;

import org.nioecho.client.ClientTls;

import javax.net.ssl.SSLSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Objects;

/**
 * A client socket whose every call goes into the {@link Timeline} with what it returned or
 * threw. Reads are bounded by {@code SO_TIMEOUT} so that no scenario can hang on one.
 */
final class TracedSocket implements AutoCloseable {
    static final int READ_TIMEOUT_MS = 10_000;

    private final Socket socket;
    /** The TCP socket: {@code socket} itself, or the one under TLS. */
    private final Socket tcp;
    private final Timeline timeline;
    private final String actor;

    private TracedSocket(Socket socket, Socket tcp, Timeline timeline, String actor) {
        this.socket = Objects.requireNonNull(socket, "socket");
        this.tcp = Objects.requireNonNull(tcp, "tcp");
        this.timeline = Objects.requireNonNull(timeline, "timeline");
        this.actor = Objects.requireNonNull(actor, "actor");
    }

    private TracedSocket(Socket socket, Timeline timeline, String actor) {
        this(socket, socket, timeline, actor);
    }

    /**
     * TLS over this connection, the handshake run and logged; the TCP socket stays reachable
     * ({@link #dropTcp}), so the TLS layer does not close it. Throws what the handshake threw.
     */
    TracedSocket tls(ClientTls clientTls, String host) throws IOException {
        SSLSocket secured = (SSLSocket) clientTls.layer(socket, host, socket.getPort(), false);
        secured.setSoTimeout(READ_TIMEOUT_MS);
        try {
            secured.startHandshake();
        } catch (IOException e) {
            timeline.log(actor, "TLS handshake", Call.threw(e).describe(""));
            throw e;
        }
        timeline.log(actor, "TLS handshake", "ok, " + secured.getSession().getProtocol() + " "
                + secured.getSession().getCipherSuite());
        return new TracedSocket(secured, socket, timeline, actor);
    }

    /** TLS: close the TCP socket under TLS, no close_notify: FIN (or RST if unread input is left). */
    Call dropTcp() {
        return logged("close the TCP socket, no close_notify", () -> {
            tcp.close();
            return 0;
        });
    }

    /** TLS: close_notify, then FIN (the TCP socket's shutdownOutput). */
    Call closeNotifyAndFin() {
        return logged("close_notify, then shutdownOutput (FIN)", () -> {
            socket.shutdownOutput(); // a layered SSLSocket that does not own the TCP socket: close_notify only
            tcp.shutdownOutput();
            return 0;
        });
    }

    /** Connects to {@code server}; {@code receiveBufferBytes} > 0 sets SO_RCVBUF first. */
    static TracedSocket connect(Timeline timeline, String actor, InetSocketAddress server, int receiveBufferBytes)
            throws IOException {
        Socket socket = new Socket();
        try {
            if (receiveBufferBytes > 0) {
                socket.setReceiveBufferSize(receiveBufferBytes);
            }
            socket.setSoTimeout(READ_TIMEOUT_MS);
            socket.connect(server, READ_TIMEOUT_MS);
        } catch (IOException e) {
            socket.close();
            timeline.log(actor, "connect :" + server.getPort(), Call.threw(e).describe(""));
            throw e;
        }
        TracedSocket traced = new TracedSocket(socket, timeline, actor);
        timeline.log(actor, "connect :" + server.getPort(), "ok, local port " + socket.getLocalPort());
        return traced;
    }

    static TracedSocket connect(Timeline timeline, String actor, InetSocketAddress server) throws IOException {
        return connect(timeline, actor, server, 0);
    }

    int localPort() {
        return socket.getLocalPort();
    }

    int remotePort() {
        return socket.getPort();
    }

    /** This connection as the kernel lists it from this end. */
    StateWatch.Side side(String label) {
        return new StateWatch.Side(label, localPort(), remotePort());
    }

    /** The other end's socket (local and remote ports swapped). */
    StateWatch.Side peerSide(String label) {
        return new StateWatch.Side(label, remotePort(), localPort());
    }

    Call write(byte[] data) {
        return logged("write " + data.length + " bytes", () -> {
            socket.getOutputStream().write(data);
            return data.length;
        });
    }

    /** One read of at most {@code maxBytes}. */
    Call read(int maxBytes) {
        Call call;
        try {
            int n = socket.getInputStream().read(new byte[maxBytes]);
            call = Call.returned(n);
        } catch (IOException e) {
            call = Call.threw(e);
        }
        timeline.log(actor, "read", call.describe(call.value() + " bytes"));
        return call;
    }

    /** Reads exactly {@code length} bytes (or fewer if the stream ends or fails); logged as one line. */
    Received readExactly(int length) {
        return readUpTo(length, "read " + length + " bytes");
    }

    /** Reads until EOF or a failure; logged as one line. */
    Received readToEnd() {
        return readUpTo(Integer.MAX_VALUE, "read until EOF");
    }

    private Received readUpTo(int length, String action) {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        byte[] buffer = new byte[16 * 1024];
        Call end;
        try {
            InputStream in = socket.getInputStream();
            while (true) {
                if (received.size() >= length) {
                    end = Call.returned(received.size());
                    break;
                }
                int n = in.read(buffer, 0, Math.min(buffer.length, length - received.size()));
                if (n < 0) {
                    end = Call.returned(-1);
                    break;
                }
                received.write(buffer, 0, n);
            }
        } catch (IOException e) {
            end = Call.threw(e);
        }
        String result = received.size() + " bytes" + (end.failed() || end.eof() ? ", then " + end.describe("") : "");
        timeline.log(actor, action, result);
        return new Received(received.toByteArray(), end);
    }

    Call shutdownOutput() {
        return logged("shutdownOutput (FIN)", () -> {
            socket.shutdownOutput();
            return 0;
        });
    }

    /** close(): FIN (or RST if unread input is left). */
    Call closeLogged() {
        return logged("close", () -> {
            socket.close();
            return 0;
        });
    }

    /** SO_LINGER 0 and close(): the kernel sends RST instead of FIN. */
    Call abort() {
        return logged("close with SO_LINGER 0 (RST)", () -> {
            socket.setSoLinger(true, 0);
            socket.close();
            return 0;
        });
    }

    /** A socket call that returns a count. */
    private interface SocketCall {
        int run() throws IOException;
    }

    /** Runs {@code call}, logs what it returned ("ok") or threw, and returns that. */
    private Call logged(String action, SocketCall call) {
        Call result;
        try {
            result = Call.returned(call.run());
        } catch (IOException e) {
            result = Call.threw(e);
        }
        timeline.log(actor, action, result.describe("ok"));
        return result;
    }

    /** Closes without logging (cleanup). */
    @Override
    public void close() throws IOException {
        socket.close();
        tcp.close();
    }

    /** Bytes read and how the reading ended. */
    record Received(byte[] bytes, Call end) {
    }
}
