package org.nioecho.client.scenario;

import org.nioecho.harness.ServerProcess;
import org.nioecho.kernel.TcpState;
import org.nioecho.kernel.TcpTable;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * SIGTERM to a server that still owes bytes: the graceful drain. Each client sends more than
 * the server will hold (its output cap) while reading nothing, so the server owes each of
 * them bytes when the signal comes; then every client must read exactly what the server
 * read from it, in order, and then EOF (not a reset).
 */
final class ServerShutdownScenario implements Scenario {
    private static final int CLIENTS = 3;
    private static final int SENT_BYTES = 96 * 1024;
    private static final int CLIENT_RECEIVE_BUFFER_BYTES = 8 * 1024;

    @Override
    public String name() {
        return "server-shutdown";
    }

    @Override
    public String notesSay() {
        return "SIGTERM means shut down gracefully: every client reads the bytes it is owed, then EOF";
    }

    @Override
    public Verdict run(ScenarioContext context) throws Exception {
        Timeline timeline = context.timeline();
        List<TracedSocket> clients = new ArrayList<>();
        ExecutorService writers = Executors.newFixedThreadPool(CLIENTS);
        try (ServerProcess server = Servers.start(context, "--drain-timeout", "10s")) {
            List<byte[]> sent = new ArrayList<>();
            List<Future<Call>> writes = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                TracedSocket client = TracedSocket.connect(timeline, "client" + (i + 1), server.address(),
                        CLIENT_RECEIVE_BUFFER_BYTES);
                clients.add(client);
                byte[] data = pattern(i);
                sent.add(data);
                writes.add(writers.submit(() -> client.write(data)));
            }
            for (Future<Call> write : writes) {
                if (write.get(10, TimeUnit.SECONDS).failed()) {
                    return Verdict.of(this, false, "a client's write failed before the signal");
                }
            }
            boolean delivered = Poll.until(Duration.ofSeconds(10), () -> unsentBytes(clients) == 0);
            timeline.log("kernel", delivered ? "every client's send queue is empty: all its bytes are at the server"
                    : "clients still hold " + unsentBytes(clients) + " unsent bytes");
            ServerStats before = Servers.statsLogged(timeline, server);
            long inServerSockets = serverSendQueues(clients);
            long owed = before.bytesIn();
            timeline.log("server", "owes " + owed + " bytes (the clients have read none yet): "
                    + (before.bytesIn() - before.bytesOut()) + " in its own output queues, " + inServerSockets
                    + " in its sockets' send queues, the rest in the clients' receive buffers");
            server.signal("TERM");
            timeline.log("signal", "SIGTERM to server pid " + server.pid());
            boolean everyoneGotTheirs = true;
            boolean everyEof = true;
            long received = 0;
            for (int i = 0; i < CLIENTS; i++) {
                TracedSocket.Received rest = clients.get(i).readToEnd();
                received += rest.bytes().length;
                everyEof &= rest.end().eof();
                everyoneGotTheirs &= Arrays.equals(rest.bytes(), Arrays.copyOf(sent.get(i), rest.bytes().length));
            }
            for (TracedSocket client : clients) {
                client.closeLogged();
            }
            int exit = server.awaitExit(Servers.EXIT_TIMEOUT);
            timeline.log("server", "exited with code " + exit);
            List<String> stopped = Servers.stoppedLines(server);
            stopped.forEach(line -> timeline.log("server", line));
            if (stopped.size() != 1) {
                return Verdict.of(this, false, "the server printed " + stopped.size() + " 'stopped' lines, exit " + exit
                        + Servers.errors(server));
            }
            ServerStats after = ServerStats.parse(stopped.get(0));
            boolean allOwedSent = after.bytesOut() == after.bytesIn() && received == after.bytesOut();
            boolean matched = delivered && owed > 0 && everyEof && everyoneGotTheirs && received == owed
                    && allOwedSent && exit == 0 && after.closed("shutdown") == CLIENTS;
            String traced = "";
            if (context.evidence().traced()) {
                KernelFacts facts = context.evidence().facts();
                int finFirst = 0;
                for (TracedSocket client : clients) {
                    List<TcpState> serverWalk = facts.walk(client.remotePort(), client.localPort());
                    if (KernelFacts.walks(serverWalk, TcpState.ESTABLISHED, TcpState.FIN_WAIT1)) {
                        finFirst++;
                    }
                }
                long resets = facts.resetsSent(true).size();
                matched &= facts.complete() && finFirst == CLIENTS && resets == 0;
                traced = "; traced: " + finFirst + " of " + CLIENTS + " server sockets closed with FIN (ESTABLISHED → "
                        + "FIN_WAIT1), " + resets + " RST sent by the server's kernel" + facts.lostText();
            }
            return Verdict.of(this, matched, "the server owed " + owed + " bytes at SIGTERM (" + inServerSockets
                    + " still in its sockets); the " + CLIENTS + " clients read " + received + " bytes ("
                    + (everyoneGotTheirs ? "each an exact prefix of what it sent" : "NOT what they sent") + ") = "
                    + after.bytesOut() + " bytes out = " + after.bytesIn() + " bytes in, then "
                    + (everyEof ? "EOF each" : "NOT all EOF") + "; exit " + exit + ", closed " + after.closed() + traced);
        } finally {
            writers.shutdownNow();
            for (TracedSocket client : clients) {
                client.close();
            }
        }
    }

    /** Distinct bytes per client, so a mixed-up echo cannot pass as right. */
    private static byte[] pattern(int client) {
        byte[] data = new byte[SENT_BYTES];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) ((i * 31 + client * 7) % 251);
        }
        return data;
    }

    /** Bytes the clients' kernels still hold unacknowledged. */
    private static long unsentBytes(List<TracedSocket> clients) throws IOException {
        return sendQueues(clients, false);
    }

    /** Bytes the server's kernel holds for the clients, sent or not, unacknowledged. */
    private static long serverSendQueues(List<TracedSocket> clients) throws IOException {
        return sendQueues(clients, true);
    }

    private static long sendQueues(List<TracedSocket> clients, boolean serverSide) throws IOException {
        long queued = 0;
        List<TcpTable.Entry> table = TcpTable.read();
        for (TracedSocket client : clients) {
            int local = serverSide ? client.remotePort() : client.localPort();
            int remote = serverSide ? client.localPort() : client.remotePort();
            for (TcpTable.Entry entry : table) {
                if (entry.local().getPort() == local && entry.remote().getPort() == remote) {
                    queued += entry.sendQueue();
                }
            }
        }
        return queued;
    }
}
