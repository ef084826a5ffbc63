package org.nioecho.server;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.BaseUnits;

import java.util.StringJoiner;

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
 * {@code echo.server.accept.errors{reason}}, {@code echo.server.faults.injected{kind}};
 * the TLS meters of {@link TlsMetrics}.
 */
public final class ServerMetrics {
    private static final CloseCause[] CAUSES = CloseCause.values();
    private static final AcceptError[] ACCEPT_ERRORS = AcceptError.values();
    private static final FaultKind[] FAULT_KINDS = FaultKind.values();

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
    private final TlsMetrics tls = new TlsMetrics();

    void countClose(CloseCause cause) {
        closed[cause.ordinal()]++;
    }

    void countAcceptError(AcceptError reason) {
        acceptErrors[reason.ordinal()]++;
    }

    void countFault(FaultKind kind) {
        faultsInjected[kind.ordinal()]++;
    }

    /** Connections that drew a fault of {@code kind}. */
    public long faultsInjected(FaultKind kind) {
        return faultsInjected[kind.ordinal()];
    }

    /** Connections accepted so far, rejected ones included. */
    public long accepted() {
        return accepted;
    }

    /** Connections open now. */
    public int active() {
        return active;
    }

    /** Bytes read from peers. */
    public long bytesReceived() {
        return bytesReceived;
    }

    /** Bytes written back to peers. */
    public long bytesSent() {
        return bytesSent;
    }

    /** Connections whose reading is paused by backpressure now. */
    public int paused() {
        return paused;
    }

    /** Bytes read but not yet written back, over all connections. */
    public long queuedBytes() {
        return queuedBytes;
    }

    /** Direct memory held by connections' output buffers now (size classes, so at least {@link #queuedBytes()}). */
    public long outputMemoryBytes() {
        return outputMemoryBytes;
    }

    /** Times a connection stopped being read because the output budget was used up. */
    public long budgetPauses() {
        return budgetPauses;
    }

    /** Connections closed with {@code cause}. */
    public long closed(CloseCause cause) {
        return closed[cause.ordinal()];
    }

    /** Connections closed, all causes. */
    public long closedTotal() {
        long total = 0;
        for (long count : closed) {
            total += count;
        }
        return total;
    }

    /** Failed accepts for {@code reason}. */
    public long acceptErrors(AcceptError reason) {
        return acceptErrors[reason.ordinal()];
    }

    /** The TLS counters (zero on a plain server). */
    public TlsMetrics tls() {
        return tls;
    }

    /** Registers every meter on {@code registry}. */
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("echo.server.connections.active", this, m -> m.active)
                .description("Connections open now").baseUnit("connections").register(registry);
        FunctionCounter.builder("echo.server.connections.accepted", this, m -> m.accepted)
                .description("Connections accepted, rejected ones included").baseUnit("connections").register(registry);
        for (CloseCause cause : CAUSES) {
            FunctionCounter.builder("echo.server.connections.closed", this, m -> m.closed(cause))
                    .description("Connections closed, by cause").baseUnit("connections")
                    .tag("cause", cause.tag()).register(registry);
        }
        Gauge.builder("echo.server.connections.paused", this, m -> m.paused)
                .description("Connections not read now because they owe more than the high-water mark")
                .baseUnit("connections").register(registry);
        FunctionCounter.builder("echo.server.backpressure.pauses", this, m -> m.pauses)
                .description("Times a connection's reading was paused by backpressure").register(registry);
        FunctionCounter.builder("echo.server.bytes.received", this, m -> m.bytesReceived)
                .description("Bytes read from peers").baseUnit(BaseUnits.BYTES).register(registry);
        FunctionCounter.builder("echo.server.bytes.sent", this, m -> m.bytesSent)
                .description("Bytes echoed back to peers").baseUnit(BaseUnits.BYTES).register(registry);
        Gauge.builder("echo.server.output.queued", this, m -> m.queuedBytes)
                .description("Bytes read but not yet written back").baseUnit(BaseUnits.BYTES).register(registry);
        Gauge.builder("echo.server.output.memory", this, m -> m.outputMemoryBytes)
                .description("Direct memory held by output buffers").baseUnit(BaseUnits.BYTES).register(registry);
        Gauge.builder("echo.server.output.memory.max", this, m -> m.outputMemoryMaxBytes)
                .description("The output-memory budget (--max-output-memory)").baseUnit(BaseUnits.BYTES).register(registry);
        FunctionCounter.builder("echo.server.output.budget.pauses", this, m -> m.budgetPauses)
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
        return accepted + (accepted == 1 ? " connection, " : " connections, ") + bytesReceived + " bytes in, " + bytesSent + " bytes out, closed: "
                + (causes.length() == 0 ? "none" : causes)
                + (errors.length() == 0 ? "" : ", accept errors: " + errors);
    }
}
