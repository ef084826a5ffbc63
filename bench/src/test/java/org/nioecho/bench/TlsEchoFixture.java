package org.nioecho.bench;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;

/**
 * A TLS echo server for the driver's tests, on a thread per connection, serving a
 * {@link BenchCertificate}: it echoes faithfully, or flips the byte at one stream offset
 * of every connection, so that the load's checks can be seen to catch a broken echo.
 */
final class TlsEchoFixture implements AutoCloseable {
    private final SSLServerSocket listener;
    private final long flipAtOffset;
    private final Thread acceptor;

    /** @param flipAtOffset the stream offset whose byte is echoed wrong on every connection, or -1 for a faithful echo */
    TlsEchoFixture(BenchCertificate certificate, long flipAtOffset) throws Exception {
        this.flipAtOffset = flipAtOffset;
        String pem = Files.readString(certificate.keyPem(), StandardCharsets.US_ASCII)
                .replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pem)));
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("bench", key, new char[0], new Certificate[] {certificate.certificate()});
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, new char[0]);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        listener = (SSLServerSocket) context.getServerSocketFactory().createServerSocket(0, 128, InetAddress.getLoopbackAddress());
        acceptor = new Thread(this::accept, "tls-echo-fixture");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    InetSocketAddress address() {
        return (InetSocketAddress) listener.getLocalSocketAddress();
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                SSLSocket socket = (SSLSocket) listener.accept();
                Thread echo = new Thread(() -> echo(socket), "tls-echo-fixture-connection");
                echo.setDaemon(true);
                echo.start();
            } catch (IOException e) {
                return; // closed by close()
            }
        }
    }

    private void echo(SSLSocket socket) {
        try (socket) {
            socket.setSoTimeout(30_000);
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            byte[] buffer = new byte[32 * 1024];
            long offset = 0;
            for (int n; (n = in.read(buffer)) > 0; offset += n) {
                if (flipAtOffset >= offset && flipAtOffset < offset + n) {
                    buffer[(int) (flipAtOffset - offset)] ^= 0x5a;
                }
                out.write(buffer, 0, n);
            }
        } catch (SocketException | javax.net.ssl.SSLException e) {
            // the load closed or reset the connection: the end of this echo
        } catch (IOException e) {
            throw new IllegalStateException("fixture echo failed", e);
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        listener.close();
        acceptor.join(10_000);
    }
}
