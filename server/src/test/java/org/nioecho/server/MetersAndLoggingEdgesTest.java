package org.nioecho.server;

import com.sun.management.GarbageCollectionNotificationInfo;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import javax.management.ListenerNotFoundException;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The edges of the metrics and the log set-up: every counter through the totals of several
 * reactors and through its meter, the admin endpoint's thread and its close, the GC listener
 * that closing the meters removes, a log line longer than the formatter's head room, and
 * which logging set-up {@code --log-level} leaves alone.
 */
@Timeout(30)
class MetersAndLoggingEdgesTest {
    private static final String CONFIG_FILE = "java.util.logging.config.file";
    private static final String CONFIG_CLASS = "java.util.logging.config.class";
    /** Where the garbage goes, so that the JIT cannot leave it unallocated. */
    private static volatile byte[] sink;

    private final Logger root = LogManager.getLogManager().getLogger("");
    private final Logger nioecho = Logger.getLogger(Logging.ROOT);
    private Handler[] savedHandlers;
    private Level savedRootLevel;
    private Level savedNioechoLevel;
    private String savedConfigFile;
    private String savedConfigClass;

    @BeforeEach
    void saveTheGlobalLogging() {
        savedHandlers = root.getHandlers();
        savedRootLevel = root.getLevel();
        savedNioechoLevel = nioecho.getLevel();
        savedConfigFile = System.getProperty(CONFIG_FILE);
        savedConfigClass = System.getProperty(CONFIG_CLASS);
        System.clearProperty(CONFIG_FILE);
        System.clearProperty(CONFIG_CLASS);
    }

    @AfterEach
    void restoreTheGlobalLogging() {
        for (Handler handler : root.getHandlers()) {
            root.removeHandler(handler);
        }
        for (Handler handler : savedHandlers) {
            root.addHandler(handler);
        }
        root.setLevel(savedRootLevel);
        nioecho.setLevel(savedNioechoLevel);
        restore(CONFIG_FILE, savedConfigFile);
        restore(CONFIG_CLASS, savedConfigClass);
    }

    private static void restore(String property, String value) {
        if (value == null) {
            System.clearProperty(property);
        } else {
            System.setProperty(property, value);
        }
    }

    // ---- ServerMetrics: the totals of several reactors and the meters ----

    @Test
    void theTotalsOfSeveralReactorsSumEveryCounterAndTheMetersReadThem() {
        ServerMetrics first = new ServerMetrics();
        ServerMetrics second = new ServerMetrics();
        first.paused = 1;
        second.paused = 2;
        first.pauses = 3;
        second.pauses = 4;
        first.budgetPauses = 5;
        second.budgetPauses = 6;
        first.outputMemoryBytes = 7;
        second.outputMemoryBytes = 8;
        first.outputMemoryMaxBytes = 9;
        second.outputMemoryMaxBytes = 10;
        first.datagramBytesReceived = 11;
        second.datagramBytesReceived = 12;
        first.datagramBytesSent = 13;
        second.datagramBytesSent = 14;
        count(first, second, 1, 2, (m, i) -> m.countAcceptError(AcceptError.ABORTED));
        count(first, second, 0, 3, (m, i) -> m.countAcceptError(AcceptError.OTHER));
        count(first, second, 2, 2, (m, i) -> m.countDatagramDrop(DatagramDrop.RATE));
        count(first, second, 1, 0, (m, i) -> m.countDatagramDrop(DatagramDrop.ERROR));
        count(first, second, 3, 1, (m, i) -> m.countFault(FaultKind.STALL));
        count(first, second, 1, 4, (m, i) -> m.countClose(CloseCause.IDLE));
        first.tls().countFailed(TlsHandshakeFailure.PROTOCOL);
        second.tls().countFailed(TlsHandshakeFailure.PROTOCOL);

        assertEquals(1, first.paused());
        assertEquals(3, first.pauses());
        assertEquals(5, first.budgetPauses());
        assertEquals(7, first.outputMemoryBytes());
        assertEquals(9, first.outputMemoryMaxBytes());
        assertEquals(3, first.faultsInjected(FaultKind.STALL));
        assertEquals(1, first.datagramsDropped(DatagramDrop.ERROR));

        ServerMetrics total = ServerMetrics.totalOf(List.of(first, second));
        assertEquals(3, total.paused());
        assertEquals(7, total.pauses());
        assertEquals(11, total.budgetPauses());
        assertEquals(15, total.outputMemoryBytes());
        assertEquals(19, total.outputMemoryMaxBytes());
        assertEquals(23, total.datagramBytesReceived());
        assertEquals(27, total.datagramBytesSent());
        assertEquals(3, total.acceptErrors(AcceptError.ABORTED));
        assertEquals(3, total.acceptErrors(AcceptError.OTHER));
        assertEquals(0, total.acceptErrors(AcceptError.TOO_MANY_OPEN_FILES));
        assertEquals(4, total.datagramsDropped(DatagramDrop.RATE));
        assertEquals(1, total.datagramsDropped(DatagramDrop.ERROR));
        assertEquals(4, total.faultsInjected(FaultKind.STALL));
        assertEquals(5, total.closed(CloseCause.IDLE));
        assertEquals(5, total.closedTotal());
        assertEquals(2, total.tls().handshakesFailed("protocol"), "the TLS counters are summed too");

        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        total.bindTo(registry);
        assertEquals(3, registry.get("echo.server.connections.paused").gauge().value());
        assertEquals(7, counter(registry, "echo.server.backpressure.pauses", null, null));
        assertEquals(11, counter(registry, "echo.server.output.budget.pauses", null, null));
        assertEquals(15, registry.get("echo.server.output.memory").gauge().value());
        assertEquals(19, registry.get("echo.server.output.memory.max").gauge().value());
        assertEquals(23, counter(registry, "echo.server.datagrams.bytes.received", null, null));
        assertEquals(27, counter(registry, "echo.server.datagrams.bytes.sent", null, null));
        assertEquals(3, counter(registry, "echo.server.accept.errors", "reason", "aborted"));
        assertEquals(3, counter(registry, "echo.server.accept.errors", "reason", "other"));
        assertEquals(4, counter(registry, "echo.server.datagrams.dropped", "reason", "rate"));
        assertEquals(1, counter(registry, "echo.server.datagrams.dropped", "reason", "error"));
        assertEquals(4, counter(registry, "echo.server.faults.injected", "kind", "stall"));
        assertEquals(5, counter(registry, "echo.server.connections.closed", "cause", "idle"));
    }

    private interface Count {
        void apply(ServerMetrics metrics, int i);
    }

    private static void count(ServerMetrics first, ServerMetrics second, int inFirst, int inSecond, Count count) {
        for (int i = 0; i < inFirst; i++) {
            count.apply(first, i);
        }
        for (int i = 0; i < inSecond; i++) {
            count.apply(second, i);
        }
    }

    private static double counter(MeterRegistry registry, String name, String tag, String value) {
        var search = registry.get(name);
        FunctionCounter counter = tag == null ? search.functionCounter() : search.tag(tag, value).functionCounter();
        return counter.count();
    }

    // ---- MetricsEndpoint: its own daemon thread, and close ----

    @Test
    void theEndpointServesOnItsOwnDaemonThreadAndCloseEndsItAndTheListener() throws Exception {
        AtomicReference<Thread> served = new AtomicReference<>();
        try (PrometheusMeters meters = PrometheusMeters.create()) {
            MetricsEndpoint endpoint = MetricsEndpoint.start(new InetSocketAddress("127.0.0.1", 0), meters);
            InetSocketAddress address = endpoint.address();
            try {
                endpoint.serve("/probe", exchange -> {
                    try (exchange) {
                        served.set(Thread.currentThread());
                        exchange.sendResponseHeaders(204, -1);
                    }
                });
                assertEquals(204, get(address, "/probe"));
                assertEquals(200, get(address, "/metrics"));
            } finally {
                endpoint.close();
            }
            Thread thread = served.get();
            assertNotNull(thread, "the probe was served");
            assertEquals("nioecho-metrics", thread.getName(), "the endpoint's executor, not the HTTP dispatcher");
            assertTrue(thread.isDaemon(), "the endpoint's thread must not keep the JVM alive");
            assertThrows(ConnectException.class, () -> {
                try (Socket socket = new Socket()) {
                    socket.connect(address, 10_000);
                }
            }, "nothing listens after close");
            await().atMost(Duration.ofSeconds(10)).until(() -> !thread.isAlive());
        }
    }

    private static int get(InetSocketAddress address, String path) throws IOException {
        HttpURLConnection http = (HttpURLConnection) URI.create(
                "http://127.0.0.1:" + address.getPort() + path).toURL().openConnection();
        http.setConnectTimeout(10_000);
        http.setReadTimeout(10_000);
        try {
            return http.getResponseCode();
        } finally {
            http.disconnect();
        }
    }

    // ---- PrometheusMeters: close stops listening to the collector ----

    @Test
    void closedMetersNoLongerCountCollections() throws Exception {
        PrometheusMeters meters = PrometheusMeters.create();
        MeterRegistry registry = meters.registry();
        meters.close();
        collectAndWaitForTheNotification(); // a notification the meters' listener was handling at close is done
        double before = gcActivity(registry);
        collectAndWaitForTheNotification();
        assertEquals(before, gcActivity(registry), "a collection after close was counted");
    }

    /**
     * A full collection, and a wait until a listener added now has been told of it. The JDK
     * calls a collector's listeners one after the other on one thread, in the order they were
     * added: once ours has been called, the meters' listener (if it were still there) has
     * counted the collection.
     */
    private static void collectAndWaitForTheNotification() throws Exception {
        CountDownLatch collected = new CountDownLatch(1);
        NotificationListener barrier = (notification, handback) -> collected.countDown();
        List<NotificationEmitter> emitters = new ArrayList<>();
        for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (collector instanceof NotificationEmitter emitter) {
                emitter.addNotificationListener(barrier, notification ->
                        notification.getType().equals(GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION), null);
                emitters.add(emitter);
            }
        }
        try {
            // Enough for the collector to count it as allocated (its young generation's use grows
            // by whole regions, up to 32 MiB each): the meters' listener counts that delta.
            for (int i = 0; i < 64 * 256; i++) {
                sink = new byte[4096];
            }
            System.gc();
            assertTrue(collected.await(20, TimeUnit.SECONDS), "no collection notified within 20 s");
        } finally {
            for (NotificationEmitter emitter : emitters) {
                try {
                    emitter.removeNotificationListener(barrier);
                } catch (ListenerNotFoundException e) {
                    throw new AssertionError(e);
                }
            }
        }
    }

    /** What the GC listener records: pauses and concurrent phases (timers), allocated and promoted bytes. */
    private static double gcActivity(MeterRegistry registry) {
        double total = 0;
        for (Meter meter : registry.getMeters()) {
            String name = meter.getId().getName();
            if (!name.startsWith("jvm.gc.")) {
                continue;
            }
            if (meter instanceof Timer timer) {
                total += timer.count();
            } else if (meter instanceof io.micrometer.core.instrument.Counter counter) {
                total += counter.count();
            }
        }
        return total;
    }

    // ---- OneLineFormatter: a message longer than its head room ----

    @Test
    void aMessageLongerThanTheFormattersHeadRoomIsWrittenWhole() {
        String message = "x".repeat(300);
        LogRecord record = new LogRecord(Level.INFO, message);
        record.setInstant(Instant.parse("2026-11-27T00:00:00Z"));
        assertEquals("2026-11-27T00:00:00Z INFO " + message + System.lineSeparator(), new OneLineFormatter().format(record));
    }

    // ---- Logging: the one-line default, or the user's own set-up ----

    @Test
    void byDefaultOneLinePerEventOnStandardErrorAtTheGivenLevel() {
        Handler earlier = new ConsoleHandler();
        root.addHandler(earlier);
        Logging.configure("debug");
        Handler[] handlers = root.getHandlers();
        assertEquals(1, handlers.length, "the JDK's handlers are replaced by one");
        ConsoleHandler console = assertInstanceOf(ConsoleHandler.class, handlers[0]);
        assertInstanceOf(OneLineFormatter.class, console.getFormatter());
        assertEquals(Level.ALL, console.getLevel());
        assertEquals(Level.INFO, root.getLevel());
        assertEquals(Level.FINE, nioecho.getLevel());

        Logging.configure(null);
        assertEquals(Level.INFO, nioecho.getLevel(), "no level given: info");
    }

    @Test
    void aUsersConfigurationFileKeepsItsHandlersAndOnlyAGivenLevelIsApplied() {
        System.setProperty(CONFIG_FILE, "logging.properties");
        assertUsersSetUpIsKept();
    }

    @Test
    void aUsersConfigurationClassKeepsItsHandlersAndOnlyAGivenLevelIsApplied() {
        System.setProperty(CONFIG_CLASS, "org.example.LoggingSetUp");
        assertUsersSetUpIsKept();
    }

    private void assertUsersSetUpIsKept() {
        Handler users = new ConsoleHandler();
        for (Handler handler : root.getHandlers()) {
            root.removeHandler(handler);
        }
        root.addHandler(users);
        root.setLevel(Level.CONFIG);
        nioecho.setLevel(Level.FINEST);

        Logging.configure(null);
        assertEquals(Level.FINEST, nioecho.getLevel(), "no --log-level: the user's level stays");
        Logging.configure("warn");
        assertEquals(Level.WARNING, nioecho.getLevel(), "--log-level still sets the org.nioecho level");
        assertEquals(1, root.getHandlers().length);
        assertSame(users, root.getHandlers()[0], "the user's handler stays");
        assertFalse(users.getFormatter() instanceof OneLineFormatter);
        assertEquals(Level.CONFIG, root.getLevel(), "the root level stays the user's");
    }
}
