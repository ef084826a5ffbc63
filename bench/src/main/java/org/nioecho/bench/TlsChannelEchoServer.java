package org.nioecho.bench;

import org.nioecho.server.TlsConfig;
import tlschannel.NeedsReadException;
import tlschannel.NeedsWriteException;
import tlschannel.ServerTlsChannel;
import tlschannel.TlsChannel;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;

/**
 * Measurement only: a TLS echo server on one Selector thread built on
 * {@code tls-channel}'s {@link ServerTlsChannel}, with the server's protocols and cipher
 * suites, to compare with {@code echo-server.jar --tls} (our own {@code SSLEngine} state
 * machine). No budget, no timeouts, no metrics: the least a tls-channel echo needs.
 * Usage: {@code TlsChannelEchoServer PORT CERT.pem KEY.pem}; prints
 * {@code listening on HOST:PORT} once bound.
 */
public final class TlsChannelEchoServer {
    private static final int PLAINTEXT_BYTES = 16 * 1024;

    private TlsChannelEchoServer() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: TlsChannelEchoServer PORT CERT.pem KEY.pem");
            System.exit(2);
        }
        SSLContext context = context(Path.of(args[1]), Path.of(args[2]));
        try (Selector selector = Selector.open(); ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), Integer.parseInt(args[0])), 1024);
            server.configureBlocking(false);
            server.register(selector, SelectionKey.OP_ACCEPT);
            InetSocketAddress bound = (InetSocketAddress) server.getLocalAddress();
            System.out.println("listening on " + bound.getHostString() + ":" + bound.getPort());
            System.out.flush();
            while (true) {
                selector.select();
                for (SelectionKey key : selector.selectedKeys()) {
                    if (!key.isValid()) {
                        continue;
                    }
                    if (key.isAcceptable()) {
                        accept(server, selector, context);
                    } else {
                        ((Echo) key.attachment()).run(key);
                    }
                }
                selector.selectedKeys().clear();
            }
        }
    }

    private static void accept(ServerSocketChannel server, Selector selector, SSLContext context) throws IOException {
        SocketChannel raw;
        while ((raw = server.accept()) != null) {
            raw.configureBlocking(false);
            raw.socket().setTcpNoDelay(true);
            TlsChannel tls = ServerTlsChannel.newBuilder(raw, context)
                    .withEngineFactory(TlsChannelEchoServer::engine)
                    .build(); // delegated tasks run inline, on this thread (the default)
            raw.register(selector, SelectionKey.OP_READ, new Echo(raw, tls));
        }
    }

    private static SSLEngine engine(SSLContext context) {
        SSLEngine engine = context.createSSLEngine();
        engine.setUseClientMode(false);
        engine.setEnabledProtocols(TlsConfig.PROTOCOLS.toArray(String[]::new));
        engine.setEnabledCipherSuites(TlsConfig.CIPHER_SUITES.stream()
                .filter(java.util.Set.of(engine.getSupportedCipherSuites())::contains).toArray(String[]::new));
        var parameters = engine.getSSLParameters();
        parameters.setUseCipherSuitesOrder(true);
        engine.setSSLParameters(parameters);
        return engine;
    }

    /** One connection: read plaintext, write it back, park on whatever tls-channel says it needs. */
    private static final class Echo {
        private final SocketChannel raw;
        private final TlsChannel tls;
        private final ByteBuffer buffer = ByteBuffer.allocate(PLAINTEXT_BYTES);
        private boolean owed; // buffer is in read mode, holding plaintext to write back

        Echo(SocketChannel raw, TlsChannel tls) {
            this.raw = raw;
            this.tls = tls;
        }

        void run(SelectionKey key) {
            try {
                while (true) {
                    if (owed) {
                        tls.write(buffer);
                        if (buffer.hasRemaining()) {
                            continue;
                        }
                        buffer.clear();
                        owed = false;
                    }
                    if (tls.read(buffer) < 0) {
                        close(key);
                        return;
                    }
                    buffer.flip();
                    owed = buffer.hasRemaining();
                    if (!owed) {
                        buffer.clear();
                    }
                }
            } catch (NeedsReadException e) {
                key.interestOps(SelectionKey.OP_READ);
            } catch (NeedsWriteException e) {
                key.interestOps(SelectionKey.OP_WRITE);
            } catch (IOException e) {
                close(key); // reset, truncation, handshake failure: a measurement server just drops it
            }
        }

        private void close(SelectionKey key) {
            key.cancel();
            try {
                tls.close();
            } catch (IOException e) {
                // closing a broken connection: nothing more to do
            }
            try {
                raw.close();
            } catch (IOException e) {
                // as above
            }
        }
    }

    static SSLContext context(Path certPem, Path keyPem) throws IOException, GeneralSecurityException {
        Certificate[] chain = CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(Files.readAllBytes(certPem))).toArray(Certificate[]::new);
        byte[] der = Base64.getMimeDecoder().decode(Files.readString(keyPem, StandardCharsets.US_ASCII)
                .replaceAll("-----[A-Z ]+-----", ""));
        String algorithm = chain[0].getPublicKey().getAlgorithm();
        PrivateKey key = KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        char[] password = "measure".toCharArray();
        store.setKeyEntry("server", key, password, chain);
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, password);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        return context;
    }
}
