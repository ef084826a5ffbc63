package org.nioecho.client.scenario;

import org.nioecho.kernel.Errnos;
import org.nioecho.kernel.KernelEvent;
import org.nioecho.kernel.TcpState;
import org.nioecho.kernel.TraceLines;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The rows and arrows of one scenario's sequence diagram, in the manner of Stevens' figures:
 * one row per kernel event or timeline entry, in time order, and the segments between the
 * two ends inferred from them.
 *
 * <p>FINs come from state changes: an end that goes to FIN_WAIT1 or LAST_ACK sent one; it
 * arrived where the peer next goes ESTABLISHED→CLOSE_WAIT, FIN_WAIT1→CLOSING or
 * FIN_WAIT2→TIME_WAIT (Linux records the last as FIN_WAIT2→CLOSE: a TIME_WAIT entry takes the
 * socket's place). The ACK of a FIN arrives where the sender goes FIN_WAIT1→FIN_WAIT2,
 * CLOSING→TIME_WAIT/CLOSE or LAST_ACK→CLOSE; if the peer sent its own FIN in between, the ACK
 * rode on it. RSTs come from {@code tcp_send_reset} (the end whose port is {@code local})
 * and arrive at the other end's next {@code tcp_receive_reset}. Data arrows come from the
 * application's {@code write} and {@code read} calls, drawn as
 * arrived when the call returned: approximate.
 */
final class SequenceDiagram {
    /** At most this many rows are drawn; the rest are counted in {@link #rowsLeftOut()}. */
    static final int MAX_ROWS = 400;
    /** Within this time of an RST at the same socket, FIN_WAIT2→CLOSE is the RST's doing, not a FIN's. */
    private static final long RST_NEAR_NANOS = 2_000_000;
    /** Data arrows fall half a row to the row of the call: its data had gone (write) or come (read) when it returned. */
    private static final double DATA_SLOPE_ROWS = 0.5;
    private static final Pattern BYTES = Pattern.compile("^(\\d+) bytes");
    private static final Pattern WRITE_BYTES = Pattern.compile("^write (\\d+) bytes");
    private static final Pattern CONNECT = Pattern.compile("^connect (\\S*):(\\d+)$");
    private static final Pattern LOCAL_PORT = Pattern.compile("local port (\\d+)");

    /** Where a row's text stands: beside the client's lifeline, the server's, or between them. */
    enum Side {
        CLIENT, SERVER, MIDDLE;

        Side other() {
            return this == CLIENT ? SERVER : this == SERVER ? CLIENT : MIDDLE;
        }

        String css() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * One row: something that happened at one end (or a remark between the ends) at one time.
     *
     * @param kind   css class: state, call, error, reset, retransmit, note, polled
     * @param text   what is written
     * @param detail a longer form, shown as the tooltip
     * @param hint   a second, small line under the text, or null
     */
    record Row(long monoNanos, Side side, String kind, String text, String detail, String hint) {
    }

    /**
     * One segment between the lifelines, from {@code from}'s lifeline at row {@code startRow}
     * (moved by {@code startShift} rows) to the other lifeline at row {@code endRow} (moved by
     * {@code endShift}).
     *
     * @param kind      css class: fin, ack, rst, data, retransmit
     * @param confirmed whether an event shows that it arrived (else it is drawn dashed)
     */
    record Arrow(String kind, Side from, int startRow, double startShift, int endRow, double endShift,
                 String label, boolean confirmed) {
    }

    private final List<Row> rows;
    private final List<Arrow> arrows;
    private final int rowsLeftOut;
    private final String clientLabel;
    private final String serverLabel;
    private final Map<String, Integer> connections;

    private SequenceDiagram(List<Row> rows, List<Arrow> arrows, int rowsLeftOut, String clientLabel,
                            String serverLabel, Map<String, Integer> connections) {
        this.rows = List.copyOf(rows);
        this.arrows = List.copyOf(arrows);
        this.rowsLeftOut = rowsLeftOut;
        this.clientLabel = clientLabel;
        this.serverLabel = serverLabel;
        this.connections = Map.copyOf(connections);
    }

    List<Row> rows() {
        return rows;
    }

    List<Arrow> arrows() {
        return arrows;
    }

    int rowsLeftOut() {
        return rowsLeftOut;
    }

    /** The client's lifeline heading, e.g. {@code 127.0.0.1:42240}. */
    String clientLabel() {
        return clientLabel;
    }

    String serverLabel() {
        return serverLabel;
    }

    /** Connections by client port, numbered from 1 in order of appearance (tags are shown when there are several). */
    Map<String, Integer> connections() {
        return connections;
    }

    /** One thing in time order: a kernel event or a timeline entry. */
    private record Item(long monoNanos, int order, KernelEvent event, TimelineEntry entry) {
    }

    /** Builds the diagram of {@code record}. */
    static SequenceDiagram of(ScenarioRecord record) {
        List<Item> items = new ArrayList<>();
        int order = 0;
        for (KernelEvent event : record.events()) {
            if (event.kind() == KernelEvent.Kind.STATE && event.from() == event.to()) {
                continue; // the kernel repeats FIN_WAIT1 when it sends the FIN: not a change
            }
            items.add(new Item(event.monoNanos(), order++, event, null));
        }
        for (TimelineEntry entry : record.timeline()) {
            items.add(new Item(entry.monoNanos(), order++, null, entry));
        }
        items.sort(Comparator.comparingLong(Item::monoNanos).thenComparingInt(Item::order));
        int leftOut = Math.max(0, items.size() - MAX_ROWS);
        if (leftOut > 0) {
            items = items.subList(0, MAX_ROWS);
        }
        return new Builder(record, items).build(leftOut);
    }

    /** Works out rows, connections and arrows of one record. */
    private static final class Builder {
        private final ScenarioRecord record;
        private final List<Item> items;
        private final List<Row> rows = new ArrayList<>();
        private final List<Arrow> arrows = new ArrayList<>();
        private final String[] connectionOf;
        private final Map<String, Integer> connections = new LinkedHashMap<>();
        /** Per row: whether an RST was sent or received at the same socket within {@link #RST_NEAR_NANOS}. */
        private boolean[] nearReset;

        Builder(ScenarioRecord record, List<Item> items) {
            this.record = record;
            this.items = items;
            this.connectionOf = new String[items.size()];
        }

        SequenceDiagram build(int leftOut) {
            nameConnections();
            boolean tagged = connections.size() > 1;
            for (int i = 0; i < items.size(); i++) {
                rows.add(row(i, tagged));
            }
            Map<Integer, Integer> finArrowBySendRow = fins();
            acks(finArrowBySendRow);
            resets();
            retransmits();
            data();
            String[] labels = lifelineLabels();
            return new SequenceDiagram(rows, arrows, leftOut, labels[0], labels[1], connections);
        }

        private Side side(KernelEvent event) {
            return record.end(event).equals("server") ? Side.SERVER : Side.CLIENT;
        }

        private static Side side(TimelineEntry entry) {
            return switch (entry.actor()) {
                case "client", "A" -> Side.CLIENT;
                case "server", "B" -> Side.SERVER;
                default -> Side.MIDDLE;
            };
        }

        /** A connection is named by its client's port; the listener by "listener". */
        private void nameConnections() {
            for (int i = 0; i < items.size(); i++) {
                KernelEvent event = items.get(i).event();
                if (event == null) {
                    continue;
                }
                String key = connectionKey(i, event);
                connectionOf[i] = key;
                if (!key.equals("listener") && !key.equals("?")) {
                    connections.putIfAbsent(key, connections.size() + 1);
                }
            }
        }

        private String connectionKey(int index, KernelEvent event) {
            if (side(event) == Side.SERVER) {
                return event.remote().getPort() == 0 ? "listener" : Integer.toString(event.remote().getPort());
            }
            if (event.local().getPort() != 0) {
                return Integer.toString(event.local().getPort());
            }
            // connect(): SYN_SENT is recorded before the port is chosen; the next step out of SYN_SENT names it
            for (int j = index + 1; j < items.size(); j++) {
                KernelEvent next = items.get(j).event();
                if (next != null && next.kind() == KernelEvent.Kind.STATE && next.from() == TcpState.SYN_SENT
                        && side(next) == Side.CLIENT && next.remote().equals(event.remote())) {
                    return Integer.toString(next.local().getPort());
                }
            }
            return "?";
        }

        private String tag(int index, boolean tagged) {
            String key = connectionOf[index];
            if ("listener".equals(key)) {
                return "listener: ";
            }
            return !tagged || key == null || key.equals("?") ? "" : "#" + connections.get(key) + " ";
        }

        private Row row(int index, boolean tagged) {
            Item item = items.get(index);
            if (item.entry() != null) {
                TimelineEntry entry = item.entry();
                Side side = side(entry);
                String call = entry.result() == null ? entry.action() : entry.action() + " → " + entry.result();
                if (side == Side.MIDDLE) {
                    boolean polled = entry.actor().equals("kernel") && record.events().isEmpty();
                    return new Row(item.monoNanos(), side, polled ? "polled" : "note", entry.actor() + ": " + call,
                            entry.actor() + ": " + call, null);
                }
                return new Row(item.monoNanos(), side, "call", call, entry.actor() + ": " + call, null);
            }
            KernelEvent event = item.event();
            Side side = side(event);
            String tag = tag(index, tagged);
            String where = TraceLines.format(event.local()) + " ↔ " + TraceLines.format(event.remote());
            return switch (event.kind()) {
                case STATE -> new Row(item.monoNanos(), side, "state", tag + event.to().name(),
                        record.end(event) + " " + event.from() + " → " + event.to() + ", " + where,
                        handedToTimeWait(index) ? "a TIME_WAIT entry takes over" : null);
                case RESET_SENT -> new Row(item.monoNanos(), side, "reset", tag + "sends RST",
                        record.end(event) + "'s kernel sends RST in state " + event.from() + ", reason "
                                + event.reason() + ", " + where, event.reason());
                case RESET_RECEIVED -> new Row(item.monoNanos(), side, "reset", tag + "RST received",
                        record.end(event) + " receives RST, " + where, null);
                case ERROR -> new Row(item.monoNanos(), side, "error",
                        tag + "error " + Errnos.name(event.errno()) + " (" + event.errno() + ") stored",
                        "error " + event.errno() + " (" + Errnos.name(event.errno()) + ") stored on the socket, " + where,
                        null);
                case RETRANSMIT -> new Row(item.monoNanos(), side, "retransmit",
                        tag + "retransmits (" + event.from() + ")", "retransmission in state " + event.from() + ", " + where,
                        null);
            };
        }

        private KernelEvent state(int index) {
            KernelEvent event = items.get(index).event();
            return event != null && event.kind() == KernelEvent.Kind.STATE ? event : null;
        }

        private static boolean sendsFin(KernelEvent e) {
            return (e.to() == TcpState.FIN_WAIT1 || e.to() == TcpState.LAST_ACK) && e.from() != e.to();
        }

        private boolean receivesFin(int index) {
            KernelEvent e = state(index);
            if (e == null) {
                return false;
            }
            TcpState from = e.from();
            TcpState to = e.to();
            if (from == TcpState.ESTABLISHED && to == TcpState.CLOSE_WAIT
                    || from == TcpState.FIN_WAIT1 && (to == TcpState.CLOSING || to == TcpState.TIME_WAIT)
                    || from == TcpState.FIN_WAIT2 && to == TcpState.TIME_WAIT) {
                return true;
            }
            return from == TcpState.FIN_WAIT2 && to == TcpState.CLOSE && !nearReset(index);
        }

        private static boolean acksFin(KernelEvent e) {
            return e.from() == TcpState.FIN_WAIT1 && e.to() == TcpState.FIN_WAIT2
                    || e.from() == TcpState.CLOSING && (e.to() == TcpState.TIME_WAIT || e.to() == TcpState.CLOSE)
                    || e.from() == TcpState.LAST_ACK && e.to() == TcpState.CLOSE;
        }

        /** FIN_WAIT2→CLOSE or CLOSING→CLOSE not caused by an RST: Linux hands the socket to a TIME_WAIT entry. */
        private boolean handedToTimeWait(int index) {
            KernelEvent e = state(index);
            return e != null && e.to() == TcpState.CLOSE
                    && (e.from() == TcpState.FIN_WAIT2 || e.from() == TcpState.CLOSING) && !nearReset(index);
        }

        private boolean nearReset(int index) {
            if (nearReset == null) {
                nearReset = new boolean[items.size()];
                for (int i = 0; i < items.size(); i++) {
                    KernelEvent r = items.get(i).event();
                    if (r == null || r.kind() != KernelEvent.Kind.RESET_SENT && r.kind() != KernelEvent.Kind.RESET_RECEIVED) {
                        continue;
                    }
                    for (int j = 0; j < items.size(); j++) {
                        KernelEvent e = items.get(j).event();
                        if (e != null && e.local().equals(r.local()) && Math.abs(r.monoNanos() - e.monoNanos()) <= RST_NEAR_NANOS) {
                            nearReset[j] = true;
                        }
                    }
                }
            }
            return nearReset[index];
        }

        private boolean samePeerConnection(int a, int b) {
            return connectionOf[a] != null && connectionOf[a].equals(connectionOf[b])
                    && rows.get(a).side() != rows.get(b).side();
        }

        /** FIN arrows; returns the arrow's index by the row that sent it. */
        private Map<Integer, Integer> fins() {
            Map<Integer, Integer> bySendRow = new HashMap<>();
            boolean[] used = new boolean[items.size()];
            for (int i = 0; i < items.size(); i++) {
                KernelEvent e = state(i);
                if (e == null || !sendsFin(e)) {
                    continue;
                }
                Side from = rows.get(i).side();
                int arrival = -1;
                for (int j = i + 1; j < items.size(); j++) {
                    if (!used[j] && samePeerConnection(i, j) && receivesFin(j)) {
                        arrival = j;
                        break;
                    }
                }
                bySendRow.put(i, arrows.size());
                if (arrival >= 0) {
                    used[arrival] = true;
                    arrows.add(new Arrow("fin", from, i, 0, arrival, 0, "FIN", true));
                } else {
                    arrows.add(new Arrow("fin", from, i, 0, i, 0.8, "FIN", false));
                }
            }
            return bySendRow;
        }

        private void acks(Map<Integer, Integer> finArrowBySendRow) {
            for (Arrow fin : List.copyOf(arrows)) {
                if (!fin.kind().equals("fin") || !fin.confirmed()) {
                    continue;
                }
                int sent = fin.startRow();
                int arrived = fin.endRow();
                for (int m = arrived + 1; m < items.size(); m++) {
                    KernelEvent e = state(m);
                    if (e == null || rows.get(m).side() != fin.from() || !connectionOf[m].equals(connectionOf[sent])) {
                        continue;
                    }
                    if (!acksFin(e)) {
                        continue;
                    }
                    Integer piggyback = peerFinBetween(arrived, m, sent);
                    if (piggyback != null) {
                        int index = finArrowBySendRow.get(piggyback);
                        Arrow peerFin = arrows.get(index);
                        arrows.set(index, new Arrow(peerFin.kind(), peerFin.from(), peerFin.startRow(), peerFin.startShift(),
                                peerFin.endRow(), peerFin.endShift(), "FIN, ACK", peerFin.confirmed()));
                    } else {
                        arrows.add(new Arrow("ack", fin.from().other(), m, -0.7, m, 0, "ACK", true));
                    }
                    break;
                }
            }
        }

        /** The row where the peer of {@code sentRow}'s end sent its own FIN between two rows, or null. */
        private Integer peerFinBetween(int fromRow, int toRow, int sentRow) {
            for (int f = fromRow; f <= toRow; f++) {
                KernelEvent e = state(f);
                if (e != null && sendsFin(e) && samePeerConnection(sentRow, f)) {
                    return f;
                }
            }
            return null;
        }

        private void resets() {
            boolean[] used = new boolean[items.size()];
            for (int i = 0; i < items.size(); i++) {
                KernelEvent e = items.get(i).event();
                if (e == null || e.kind() != KernelEvent.Kind.RESET_SENT) {
                    continue;
                }
                int arrival = -1;
                for (int j = i + 1; j < items.size(); j++) {
                    KernelEvent r = items.get(j).event();
                    if (!used[j] && r != null && r.kind() == KernelEvent.Kind.RESET_RECEIVED
                            && samePeerConnection(i, j)) {
                        arrival = j;
                        break;
                    }
                }
                Side from = rows.get(i).side();
                if (arrival >= 0) {
                    used[arrival] = true;
                    arrows.add(new Arrow("rst", from, i, 0, arrival, 0, "RST", true));
                } else {
                    arrows.add(new Arrow("rst", from, i, 0, i, 0.8, "RST", false));
                }
            }
        }

        private void retransmits() {
            for (int i = 0; i < items.size(); i++) {
                KernelEvent e = items.get(i).event();
                if (e != null && e.kind() == KernelEvent.Kind.RETRANSMIT) {
                    arrows.add(new Arrow("retransmit", rows.get(i).side(), i, 0, i, 0.8, "retransmit", false));
                }
            }
        }

        /** Writes that returned ok send data to the peer; reads that returned bytes received some. */
        private void data() {
            for (int i = 0; i < items.size(); i++) {
                TimelineEntry entry = items.get(i).entry();
                if (entry == null || entry.result() == null || side(entry) == Side.MIDDLE) {
                    continue;
                }
                Side side = side(entry);
                String action = entry.action();
                String result = entry.result();
                if (action.startsWith("write") && (result.startsWith("ok") || BYTES.matcher(result).find())) {
                    Matcher size = WRITE_BYTES.matcher(action);
                    Matcher returned = BYTES.matcher(result);
                    String bytes = size.find() ? size.group(1) : returned.find() ? returned.group(1) : null;
                    arrows.add(new Arrow("data", side, i, -DATA_SLOPE_ROWS, i, 0, bytes == null ? "data" : "data, " + bytes + " B", true));
                } else if (action.startsWith("read")) {
                    Matcher returned = BYTES.matcher(result);
                    if (returned.find() && !returned.group(1).matches("0+")) {
                        arrows.add(new Arrow("data", side.other(), i, -DATA_SLOPE_ROWS, i, 0, "data, " + returned.group(1) + " B", true));
                    }
                }
            }
        }

        /** The ends' addresses from the events, else the ports named by the timeline's connect calls. */
        private String[] lifelineLabels() {
            Set<String> clients = new LinkedHashSet<>();
            Set<String> servers = new LinkedHashSet<>();
            for (Item item : items) {
                KernelEvent e = item.event();
                if (e == null || e.local().getPort() == 0 || connectionKeyIsListener(e)) {
                    continue;
                }
                (side(e) == Side.SERVER ? servers : clients).add(TraceLines.format(e.local()));
                (side(e) == Side.SERVER ? clients : servers).add(TraceLines.format(e.remote()));
            }
            if (clients.isEmpty() && servers.isEmpty()) {
                for (TimelineEntry entry : record.timeline()) {
                    Matcher connect = CONNECT.matcher(entry.action());
                    if (connect.find()) {
                        servers.add((connect.group(1).isEmpty() ? "" : connect.group(1)) + ":" + connect.group(2));
                        Matcher local = entry.result() == null ? null : LOCAL_PORT.matcher(entry.result());
                        if (local != null && local.find()) {
                            clients.add(":" + local.group(1));
                        }
                    }
                }
            }
            return new String[] {summary(clients), summary(servers)};
        }

        private boolean connectionKeyIsListener(KernelEvent e) {
            return side(e) == Side.SERVER && e.remote().getPort() == 0;
        }

        private static String summary(Set<String> addresses) {
            if (addresses.size() <= 2) {
                return String.join(", ", addresses);
            }
            List<String> first = new ArrayList<>(addresses).subList(0, 2);
            return String.join(", ", first) + " and " + (addresses.size() - 2) + " more";
        }
    }
}
