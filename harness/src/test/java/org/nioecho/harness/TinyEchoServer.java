package org.nioecho.harness;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * A server for the launcher's tests of external commands, needing nothing but java: echoes
 * one connection at a time on 127.0.0.1 and the port in the environment variable
 * {@code ECHO_PORT} (so a {@code /bin/sh -c 'ECHO_PORT=N java ...'} assignment must reach it),
 * prints its "listening on" line only with the argument {@code announce}, and prints
 * "tiny echo stopped" when a signal ends it gracefully.
 */
public final class TinyEchoServer {
    private TinyEchoServer() {
    }

    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(System.getenv("ECHO_PORT"));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> System.out.println("tiny echo stopped")));
        try (ServerSocket listener = new ServerSocket(port, 50, InetAddress.getLoopbackAddress())) {
            if (args.length > 0 && args[0].equals("announce")) {
                System.out.println(Listening.line("tiny echo", (InetSocketAddress) listener.getLocalSocketAddress()));
            }
            while (true) {
                try (Socket peer = listener.accept()) {
                    peer.setSoTimeout(30_000);
                    InputStream in = peer.getInputStream();
                    OutputStream out = peer.getOutputStream();
                    byte[] buffer = new byte[8192];
                    for (int n; (n = in.read(buffer)) > 0; ) {
                        out.write(buffer, 0, n);
                    }
                } catch (IOException e) {
                    System.err.println("tiny echo: peer failed: " + e.getMessage());
                }
            }
        }
    }
}
