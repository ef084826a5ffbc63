package org.nioecho.client.scenario;

import org.nioecho.kernel.TcpTable;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A client socket in another network namespace, driven line by line: the namespace
 * scenarios run it with {@code ip netns exec NS java -cp ... Probe} so that its socket lives
 * in the client's namespace. Commands on stdin: {@code connect HOST PORT}, {@code write N},
 * {@code read TIMEOUT_MS}, {@code state}, {@code quit}. Each is answered with one line:
 * {@code probe: ok VALUE MS}, {@code probe: eof MS} or {@code probe: error MS CLASS MESSAGE}
 * (MS = how long the call took).
 */
public final class Probe {
    private Socket socket;

    private Probe() {
    }

    /** Runs the probe until {@code quit} or the end of standard input. */
    public static void main(String[] args) throws IOException {
        Probe probe = new Probe();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        System.out.println("probe: ready");
        System.out.flush();
        for (String line; (line = in.readLine()) != null && !line.trim().equals("quit"); ) {
            if (!line.isBlank()) {
                System.out.println("probe: " + probe.execute(line.trim().split("\\s+")));
                System.out.flush();
            }
        }
        if (probe.socket != null) {
            probe.socket.close();
        }
    }

    private String execute(String[] command) {
        long start = System.nanoTime();
        try {
            String value = switch (command[0]) {
                case "connect" -> connect(command[1], Integer.parseInt(command[2]));
                case "write" -> write(Integer.parseInt(command[1]));
                case "read" -> read(Integer.parseInt(command[1]));
                case "state" -> state();
                default -> throw new IllegalArgumentException("unknown command " + Arrays.toString(command));
            };
            long ms = (System.nanoTime() - start) / 1_000_000;
            return value.equals("-1") ? "eof " + ms : "ok " + value + " " + ms;
        } catch (IOException | RuntimeException e) {
            long ms = (System.nanoTime() - start) / 1_000_000;
            return "error " + ms + " " + e.getClass().getSimpleName() + " " + e.getMessage();
        }
    }

    private String connect(String host, int port) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress(host, port), 5_000);
        return Integer.toString(socket.getLocalPort());
    }

    private String write(int length) throws IOException {
        byte[] data = new byte[length];
        Arrays.fill(data, (byte) 'x');
        socket.getOutputStream().write(data);
        return Integer.toString(length);
    }

    private String read(int timeoutMs) throws IOException {
        socket.setSoTimeout(timeoutMs);
        return Integer.toString(socket.getInputStream().read(new byte[4096]));
    }

    /** The kernel's view of this socket: state, unacknowledged bytes, running timer. */
    private String state() throws IOException {
        for (TcpTable.Entry entry : TcpTable.read()) {
            if (entry.local().getPort() == socket.getLocalPort() && entry.remote().getPort() == socket.getPort()) {
                return entry.state().name() + " send-queue=" + entry.sendQueue() + "B timer="
                        + (entry.timer() == 1 ? "retransmit" : entry.timer() == 0 ? "none" : Integer.toString(entry.timer()));
            }
        }
        return "gone";
    }
}
