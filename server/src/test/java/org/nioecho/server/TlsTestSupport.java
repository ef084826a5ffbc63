package org.nioecho.server;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** TLS test peers: {@code openssl s_client} processes and JDK {@link SSLSocket}s, every wait bounded. */
final class TlsTestSupport {
    static final Duration PROCESS_TIMEOUT = Duration.ofSeconds(60);

    private TlsTestSupport() {
    }

    /** A server on an ephemeral port with TLS (self-signed) and {@code handshakeTimeout}. */
    static EchoServer startTlsServer(Duration handshakeTimeout) throws IOException {
        return EchoServer.start(ServerConfig.builder().port(0).tls(TlsConfig.ephemeral(handshakeTimeout)).build());
    }

    /** {@code openssl s_client} to {@code address} with {@code protocolFlag} (e.g. -tls1_3), stdout and stdin as pipes. */
    static Process sClient(InetSocketAddress address, String protocolFlag, Path stderr) throws IOException {
        List<String> command = new ArrayList<>(List.of("openssl", "s_client", "-connect",
                address.getHostString() + ":" + address.getPort(), protocolFlag, "-quiet", "-no_ign_eof", "-nocommands")); // -nocommands: a line starting with K, R or Q is data
        if (protocolFlag.equals("-tls1")) {
            command.add("-cipher");
            command.add("DEFAULT@SECLEVEL=0"); // let OpenSSL 3 offer TLS 1.0 at all
        }
        return new ProcessBuilder(command).redirectError(stderr.toFile()).start();
    }

    /** Reads {@code n} bytes of {@code in} on another thread; the future fails if the stream ends first. */
    static CompletableFuture<byte[]> readN(InputStream in, int n) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return in.readNBytes(n);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }, TlsTestSupport::ownThread);
    }

    /**
     * A thread of its own per task: the common pool may have one thread on a 2-core machine
     * (JDK 25 uses it even then), and a blocked writer would starve the reader of the echo.
     */
    private static void ownThread(Runnable task) {
        Thread thread = new Thread(task, "tls-test-peer-io");
        thread.setDaemon(true);
        thread.start();
    }

    /** Writes {@code bytes} to {@code out} on another thread (so that the echo can be read meanwhile). */
    static CompletableFuture<Void> writeAll(OutputStream out, byte[] bytes) {
        return CompletableFuture.runAsync(() -> {
            try {
                out.write(bytes);
                out.flush();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }, TlsTestSupport::ownThread);
    }

    static boolean exited(Process process) throws InterruptedException {
        if (process.waitFor(PROCESS_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            return true;
        }
        process.destroyForcibly();
        return false;
    }

    /** A client context that trusts any certificate (the server's is self-signed). */
    static SSLContext trustingClient(String... protocols) throws GeneralSecurityException {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
        return context;
    }

    /** A TLS socket to {@code address}, handshake not yet started, reads bounded by {@code readTimeoutMs}. */
    static SSLSocket tlsSocket(SSLContext context, InetSocketAddress address, int readTimeoutMs) throws IOException {
        Socket raw = new Socket();
        raw.connect(address, 10_000);
        raw.setSoTimeout(readTimeoutMs);
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(raw, address.getHostString(), address.getPort(), true);
        socket.setSoTimeout(readTimeoutMs);
        return socket;
    }
}
