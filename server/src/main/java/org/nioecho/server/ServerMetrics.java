package org.nioecho.server;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.BaseUnits;

import java.util.List;
import java.util.StringJoiner;
import java.util.function.ToLongFunction;

/**
 * The server's counters, kept as plain fields written only by the reactor thread (no
 * atomic per message) and exposed to Micrometer through {@link FunctionCounter}s and
 * {@link Gauge}s, which read them from other threads. A reader on another thread may
 * see a value a moment old; after the reactor thread has ended, the values are final.
 *
 * <p>Meters: {@code echo.server.connections.active}, {@code .accepted},
 * {@code .closed{cause}}, {@code .paused}, {@code echo.server.backpressure.pauses},
 * {@code echo.server.bytes.received}, {@code echo.server.bytes.sent},
 * {@code echo.server.output.queued}, {@code echo.server.output.memory},
 * {@code echo.server.output.memory.max}, {@code echo.server.output.budget.pauses},
 * {@code echo.server.accept.errors{reason}}, {@code echo.server.faults.injected{kind}},
 * {@code echo.server.datagrams.received}, {@code .sent}, {@code .dropped{reason}},
 * {@code echo.server.datagrams.bytes.received}, {@code .bytes.sent}.
 *
 * <p>With several reactors each keeps its own instance; {@link #totalOf} is a view whose
 * getters (and meters) sum them, exact once every reactor thread has ended. The TLS meters
 * are {@link TlsMetrics}'.
 */
public final class ServerMetrics {
    private static final CloseCause[] CAUSES = CloseCause.values();
    private static final AcceptError[] ACCEPT_ERRORS = AcceptError.values();
    private static final FaultKind[] FAULT_KINDS = FaultKind.values();
    private static final DatagramDrop[] DATAGRAM_DROPS = DatagramDrop.values();

    long accepted;
    int active;
    long bytesReceived;
    long bytesSent;
    int paused;
    long pauses;
    long queuedBytes;
    long outputMemoryBytes;
    long outputMemoryMaxBytes;
    long budgetPauses;
    private final long[] closed = new long[CAUSES.length];
    private final long[] acceptErrors = new long[ACCEPT_ERRORS.length];
    private final long[] faultsInjected = new long[FAULT_KINDS.length];
    long datagramsReceived;
    long datagramsSent;
    long datagramBytesReceived;
    long datagramBytesSent;
    private final long[] datagramsDropped = new long[DATAGRAM_DROPS.length];
    private final ServerMetrics[] parts; // null: counters of one reactor; else a view summing these
    private final TlsMetrics tls;

    ServerMetrics() {
        this.parts = null;
        this.tls = new TlsMetrics();
    }

    private ServerMetrics(ServerMetrics[] parts) {
        this.parts = parts;
        List<TlsMetrics> tlsParts = new java.util.ArrayList<>(parts.length);
        for (ServerMetrics part : parts) {
            tlsParts.add(part.tls);
        }
        this.tls = TlsMetrics.totalOf(tlsParts);
    }

    /** A view of the totals of {@code parts} (one per reactor), read live; it counts nothing itself. */
    static ServerMetrics totalOf(List<ServerMetrics> parts) {
        return new ServerMetrics(parts.toArray(new ServerMetrics[0]));
    }

    private long sum(ToLongFunction<ServerMetrics> counter) {
        long total = 0;
        for (ServerMetrics part : parts) {
            total += counter.applyAsLong(part);
        }
        return total;
    }

    void countClose(CloseCause cause) {
        closed[cause.ordinal()]++;
    }

    void countAcceptError(AcceptError reason) {
        acceptErrors[reason.ordinal()]++;
    }

    void countFault(FaultKind kind) {
        faultsInjected[kind.ordinal()]++;
    }

    void countDatagramDrop(DatagramDrop reason) {
        datagramsDropped[reason.ordinal()]++;
    }

    /** Datagrams received over UDP, dropped ones included. */
    public long datagramsReceived() {
        return parts == null ? datagramsReceived : sum(ServerMetrics::datagramsReceived);
    }

    /** Datagrams echoed back. */
    public long datagramsSent() {
        return parts == null ? datagramsSent : sum(ServerMetrics::datagramsSent);
    }

    /** Payload bytes of the datagrams received. */
    public long datagramBytesReceived() {
        return parts == null ? datagramBytesReceived : sum(ServerMetrics::datagramBytesReceived);
    }

    /** Payload bytes of the datagrams echoed back. */
    public long datagramBytesSent() {
        return parts == null ? datagramBytesSent : sum(ServerMetrics::datagramBytesSent);
    }

    /** Datagrams not answered for {@code reason} (receive failures count as {@link DatagramDrop#ERROR}). */
    public long datagramsDropped(DatagramDrop reason) {
        return parts == null ? datagramsDropped[reason.ordinal()] : sum(m -> m.datagramsDropped(reason));
    }

    /** Connections that drew a fault of {@code kind}. */
    public long faultsInjected(FaultKind kind) {
        return parts == null ? faultsInjected[kind.ordinal()] : sum(m -> m.faultsInjected(kind));
    }

    /** Connections accepted so far, rejected ones included. */
    public long accepted() {
        return parts == null ? accepted : sum(ServerMetrics::accepted);
    }

    /** Connections open now. */
    public int active() {
        return parts == null ? active : (int) sum(ServerMetrics::active);
    }

    /** Bytes read from peers. */
    public long bytesReceived() {
        return parts == null ? bytesReceived : sum(ServerMetrics::bytesReceived);
    }

    /** Bytes written back to peers. */
    public long bytesSent() {
        return parts == null ? bytesSent : sum(ServerMetrics::bytesSent);
    }

    /** Connections whose reading is paused by backpressure now. */
    public int paused() {
        return parts == null ? paused : (int) sum(ServerMetrics::paused);
    }

    /** Bytes read but not yet written back, over all connections. */
    public long queuedBytes() {
        return parts == null ? queuedBytes : sum(ServerMetrics::queuedBytes);
    }

    /** Direct memory held by connections' output buffers now (size classes, so at least {@link #queuedBytes()}). */
    public long outputMemoryBytes() {
        return parts == null ? outputMemoryBytes : sum(ServerMetrics::outputMemoryBytes);
    }

    /** Times a connection stopped being read because the output budget was used up. */
    public long budgetPauses() {
        return parts == null ? budgetPauses : sum(ServerMetrics::budgetPauses);
    }

    /** Times a connection's reading was paused by backpressure. */
    long pauses() {
        return parts == null ? pauses : sum(ServerMetrics::pauses);
    }

    /** The output-memory budget (all reactors' shares together). */
    long outputMemoryMaxBytes() {
        return parts == null ? outputMemoryMaxBytes : sum(ServerMetrics::outputMemoryMaxBytes);
    }

    /** Connections closed with {@code cause}. */
    public long closed(CloseCause cause) {
        return parts == null ? closed[cause.ordinal()] : sum(m -> m.closed(cause));
    }

    /** Connections closed, all causes. */
    public long closedTotal() {
        long total = 0;
        for (CloseCause cause : CAUSES) {
            total += closed(cause);
        }
        return total;
    }

    /** Failed accepts for {@code reason}. */
    public long acceptErrors(AcceptError reason) {
        return parts == null ? acceptErrors[reason.ordinal()] : sum(m -> m.acceptErrors(reason));
    }

    /** The TLS counters (zero on a plain server). */
    public TlsMetrics tls() {
        return tls;
    }

    /** Registers every meter on {@code registry}. */
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("echo.server.connections.active", this, ServerMetrics::active)
                .description("Connections open now").baseUnit("connections").register(registry);
        FunctionCounter.builder("echo.server.connections.accepted", this, ServerMetrics::accepted)
                .description("Connections accepted, rejected ones included").baseUnit("connections").register(registry);
        for (CloseCause cause : CAUSES) {
            FunctionCounter.builder("echo.server.connections.closed", this, m -> m.closed(cause))
                    .description("Connections closed, by cause").baseUnit("connections")
                    .tag("cause", cause.tag()).register(registry);
        }
        Gauge.builder("echo.server.connections.paused", this, ServerMetrics::paused)
                .description("Connections not read now because they owe more than the high-water mark")
                .baseUnit("connections").register(registry);
        FunctionCounter.builder("echo.server.backpressure.pauses", this, ServerMetrics::pauses)
                .description("Times a connection's reading was paused by backpressure").register(registry);
        FunctionCounter.builder("echo.server.bytes.received", this, ServerMetrics::bytesReceived)
                .description("Bytes read from peers").baseUnit(BaseUnits.BYTES).register(registry);
        FunctionCounter.builder("echo.server.bytes.sent", this, ServerMetrics::bytesSent)
                .description("Bytes echoed back to peers").baseUnit(BaseUnits.BYTES).register(registry);
        Gauge.builder("echo.server.output.queued", this, ServerMetrics::queuedBytes)
                .description("Bytes read but not yet written back").baseUnit(BaseUnits.BYTES).register(registry);
        Gauge.builder("echo.server.output.memory", this, ServerMetrics::outputMemoryBytes)
                .description("Direct memory held by output buffers").baseUnit(BaseUnits.BYTES).register(registry);
        Gauge.builder("echo.server.output.memory.max", this, ServerMetrics::outputMemoryMaxBytes)
                .description("The output-memory budget (--max-output-memory)").baseUnit(BaseUnits.BYTES).register(registry);
        FunctionCounter.builder("echo.server.output.budget.pauses", this, ServerMetrics::budgetPauses)
                .description("Times a connection's reading was paused because the output budget was used up")
                .register(registry);
        for (AcceptError reason : ACCEPT_ERRORS) {
            FunctionCounter.builder("echo.server.accept.errors", this, m -> m.acceptErrors(reason))
                    .description("Failed accepts, by reason").tag("reason", reason.tag()).register(registry);
        }
        for (FaultKind kind : FAULT_KINDS) {
            FunctionCounter.builder("echo.server.faults.injected", this, m -> m.faultsInjected(kind))
                    .description("Connections that drew an injected fault, by kind").baseUnit("connections")
                    .tag("kind", kind.tag()).register(registry);
        }
        FunctionCounter.builder("echo.server.datagrams.received", this, ServerMetrics::datagramsReceived)
                .description("UDP datagrams received, dropped ones included").baseUnit("datagrams").register(registry);
        FunctionCounter.builder("echo.server.datagrams.sent", this, ServerMetrics::datagramsSent)
                .description("UDP datagrams echoed back").baseUnit("datagrams").register(registry);
        for (DatagramDrop reason : DATAGRAM_DROPS) {
            FunctionCounter.builder("echo.server.datagrams.dropped", this, m -> m.datagramsDropped(reason))
                    .description("UDP datagrams not answered, by reason").baseUnit("datagrams")
                    .tag("reason", reason.tag()).register(registry);
        }
        FunctionCounter.builder("echo.server.datagrams.bytes.received", this, ServerMetrics::datagramBytesReceived)
                .description("Payload bytes of the UDP datagrams received").baseUnit(BaseUnits.BYTES).register(registry);
        FunctionCounter.builder("echo.server.datagrams.bytes.sent", this, ServerMetrics::datagramBytesSent)
                .description("Payload bytes of the UDP datagrams echoed back").baseUnit(BaseUnits.BYTES).register(registry);
        tls.bindTo(registry);
    }

    /**
     * One line for the end of a run, e.g.
     * {@code 12 connections, 3456 bytes in, 3456 bytes out, closed: eof=10 shutdown=2}
     * ({@code 1 connection, ...} for one).
     */
    public String summary() {
        StringJoiner causes = new StringJoiner(" ");
        for (CloseCause cause : CAUSES) {
            long count = closed(cause);
            if (count > 0) {
                causes.add(cause.tag() + "=" + count);
            }
        }
        StringJoiner errors = new StringJoiner(" ");
        for (AcceptError reason : ACCEPT_ERRORS) {
            long count = acceptErrors(reason);
            if (count > 0) {
                errors.add(reason.tag() + "=" + count);
            }
        }
        long accepted = accepted();
        return accepted + (accepted == 1 ? " connection, " : " connections, ") + bytesReceived() + " bytes in, " + bytesSent() + " bytes out, closed: "
                + (causes.length() == 0 ? "none" : causes)
                + (errors.length() == 0 ? "" : ", accept errors: " + errors)
                + (datagramsReceived() == 0 ? "" : datagramSummary());
    }

    /** {@code , datagrams: 10 in, 8 out, dropped: abuse.port=2}: only once a datagram came. */
    private String datagramSummary() {
        StringJoiner drops = new StringJoiner(" ");
        for (DatagramDrop reason : DATAGRAM_DROPS) {
            long count = datagramsDropped(reason);
            if (count > 0) {
                drops.add(reason.tag() + "=" + count);
            }
        }
        return ", datagrams: " + datagramsReceived() + " in, " + datagramsSent() + " out, dropped: "
                + (drops.length() == 0 ? "none" : drops);
    }
}
