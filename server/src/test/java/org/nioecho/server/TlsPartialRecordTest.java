package org.nioecho.server;

import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLSocket;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A FIN in the middle of a TLS record: the engine can do nothing more with the half record,
 * so the server must close the connection as {@code tls.truncated} instead of holding it
 * with no interest and no timeout.
 */
class TlsPartialRecordTest {
    private static final int READ_TIMEOUT_MS = 20_000;

    @Test
    void finAfterHalfARecordClosesAsTruncated() throws Exception {
        try (EchoServer server = TlsTestSupport.startTlsServer(Duration.ofSeconds(10))) {
            InetSocketAddress address = server.address();
            try (Socket raw = new Socket()) {
                raw.connect(address, 10_000);
                raw.setSoTimeout(READ_TIMEOUT_MS);
                SSLSocket tls = (SSLSocket) TlsTestSupport.trustingClient().getSocketFactory()
                        .createSocket(raw, address.getHostString(), address.getPort(), false);
                tls.setSoTimeout(READ_TIMEOUT_MS);
                tls.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
                tls.getOutputStream().flush();
                assertArrayEquals("ping".getBytes(StandardCharsets.US_ASCII), tls.getInputStream().readNBytes(4),
                        "one echo first, so that the handshake is done on both sides");

                // Half a record: an application-data header announcing 512 bytes, then 100 of them.
                byte[] half = new byte[5 + 100];
                half[0] = 0x17;
                half[1] = 0x03;
                half[2] = 0x03;
                half[3] = 0x02; // length 0x0200 = 512
                half[4] = 0x00;
                OutputStream out = raw.getOutputStream();
                out.write(half);
                out.flush();
                raw.shutdownOutput(); // FIN, no close_notify

                InputStream in = raw.getInputStream();
                try {
                    while (in.read(new byte[1024]) >= 0) {
                        // whatever the server still sends; the point is the end of the stream
                    }
                } catch (SocketTimeoutException e) {
                    fail("the server kept the connection " + READ_TIMEOUT_MS + " ms after a FIN in the middle of a record");
                }
            }
            ServerMetrics metrics = server.metrics();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertEquals(1, metrics.closed(CloseCause.TLS_TRUNCATED)));
            assertEquals(0, metrics.closed(CloseCause.ERROR));
            assertEquals(0, metrics.closed(CloseCause.TLS_ERROR));
        }
    }
}
