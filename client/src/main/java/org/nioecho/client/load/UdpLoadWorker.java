package org.nioecho.client.load;

import org.HdrHistogram.Histogram;
import org.nioecho.client.ErrorCause;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * The selector thread of {@code load --udp}: opens one connected, non-blocking datagram socket
 * per flow, sends, checks every datagram that comes back ({@link UdpDatagram}) and keeps the
 * statistics in plain fields, publishing running totals in volatile fields for the progress
 * line. {@code pingpong} sends a flow's next datagram when the previous one came back or its
 * {@code --datagram-timeout} passed; {@code rate} is open loop, each datagram stamped with its
 * intended send time. After the measured time it sends nothing new and waits at most
 * {@code --drain-timeout} for the datagrams still owed; what never came back is lost.
 */
final class UdpLoadWorker implements Runnable {
    private static final long MAX_WAIT_NANOS = 100_000_000L;
    /** pingpong: how often the flows are checked for an echo that is overdue. */
    private static final long SCAN_NANOS = 2_000_000L;
    /** At most this many sends (rate) or reads (per flow) in one go, so sending and receiving take turns. */
    private static final int BATCH = 64;
    /** Sequence numbers index a BitSet. */
    private static final long MAX_SEQUENCE = Integer.MAX_VALUE - 1L;
    private static final ThreadMXBean THREAD_CPU = ManagementFactory.getThreadMXBean();

    private final UdpLoadConfig udp;
    private final LoadConfig config;
    private final Selector selector;
    private final ByteBuffer pattern;
    private final ByteBuffer header = ByteBuffer.allocateDirect(UdpDatagram.HEADER_BYTES);
    private final ByteBuffer[] datagram = new ByteBuffer[2];
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(64 * 1024);
    private final List<UdpFlow> flows = new ArrayList<>();
    private final PriorityQueue<UdpFlow> rateQueue =
            new PriorityQueue<>(Comparator.comparingLong((UdpFlow f) -> f.nextDueNanos));
    private final SplittableRandom random;
    private final double periodNanos;
    /** Made once: a method reference that captures {@code this} would be a new object on every select. */
    private final Consumer<SelectionKey> onReady = this::ready;

    private volatile boolean abort;
    private volatile Throwable failure;

    private boolean measuring;
    private boolean stopping;
    private long measureStartNanos;
    private long stopAtNanos;
    private long drainDeadlineNanos;
    private long nextScanNanos;
    /** Datagrams owed by flows that failed: they will never be read, so the drain does not wait for them. */
    private long failedOwed;
    /** When a datagram was last sent or received. */
    private long lastTrafficNanos;

    // statistics of the measured period (reset when the warm-up ends)
    private final Histogram latencyNanos = new Histogram(1, LoadWorker.HIGHEST_NANOS, 3);
    private long messages;
    private long bytesSent;
    private long bytesReceived;
    private long cpuNanos;
    private long cpuAtMeasureStartNanos;
    // whole run
    private final Histogram latenessNanos = new Histogram(1, LoadWorker.HIGHEST_NANOS, 3);
    private long sent;
    private long arrivals;
    private long distinct;
    private long corruptDatagrams;
    private long corruptBytes;
    private long totalBytesSent;
    private long totalBytesReceived;
    private long scheduled;
    private final long[] errors = new long[ErrorCause.values().length];

    // published once per loop turn for the progress line
    private volatile long publishedMessages;
    private volatile long publishedSent;
    private volatile long publishedOwed;
    private volatile long publishedCorrupt;
    private volatile long publishedErrors;

    UdpLoadWorker(UdpLoadConfig udp, Selector selector, DataPattern data, long seed) {
        this.udp = Objects.requireNonNull(udp, "udp");
        this.config = udp.base();
        this.selector = Objects.requireNonNull(selector, "selector");
        this.pattern = data.view();
        this.random = new SplittableRandom(seed);
        this.periodNanos = config.mode() == LoadMode.RATE ? 1e9 / config.ratePerSecond() : 0;
    }

    /** From the controller: stop at once (the run overran). */
    void abort() {
        abort = true;
        selector.wakeup();
    }

    Throwable failure() {
        return failure;
    }

    @Override
    public void run() {
        try {
            open();
            long start = System.nanoTime();
            measureStartNanos = start + config.warmup().toNanos();
            stopAtNanos = measureStartNanos + config.duration().toNanos();
            cpuAtMeasureStartNanos = THREAD_CPU.getCurrentThreadCpuTime();
            measuring = config.warmup().isZero();
            for (UdpFlow f : flows) {
                if (f.failed) {
                    continue;
                }
                if (config.mode() == LoadMode.RATE) {
                    // a random start within the first period, so flows do not send in lock step
                    f.firstDueNanos = start + (long) (random.nextDouble() * periodNanos);
                    f.nextDueNanos = f.firstDueNanos;
                    rateQueue.add(f);
                } else {
                    sendNext(f, start);
                }
            }
            while (!abort) {
                long now = System.nanoTime();
                if (!measuring && now - measureStartNanos >= 0) {
                    resetMeasured();
                }
                if (!stopping && now - stopAtNanos >= 0) {
                    stopping = true;
                    cpuNanos = THREAD_CPU.getCurrentThreadCpuTime() - cpuAtMeasureStartNanos;
                    drainDeadlineNanos = now + config.drainTimeout().toNanos();
                }
                if (config.mode() == LoadMode.RATE) {
                    sendDue(now);
                } else if (now - nextScanNanos >= 0) {
                    scanPingPong(now);
                    nextScanNanos = now + SCAN_NANOS;
                }
                if (stopping && (settled(now) || now - drainDeadlineNanos >= 0)) {
                    break;
                }
                publish();
                long waitNanos = waitNanos(now);
                if (waitNanos <= 0) {
                    selector.selectNow(onReady);
                } else if (rateSendIsNext(now, waitNanos) && waitNanos < 1_000_000L + LoadWorker.SELECT_SLACK_NANOS) {
                    // the last stretch before a send: poll, as select cannot wake this precisely
                    selector.selectNow(onReady);
                    Thread.onSpinWait();
                } else {
                    long waitMs = rateSendIsNext(now, waitNanos)
                            ? (waitNanos - LoadWorker.SELECT_SLACK_NANOS) / 1_000_000L
                            : (waitNanos + 999_999L) / 1_000_000L;
                    selector.select(onReady, waitMs);
                }
            }
            if (config.mode() == LoadMode.RATE) {
                for (UdpFlow f : flows) {
                    scheduled += f.failed && f.firstDueNanos == 0 ? 0 : dueBefore(f, stopAtNanos);
                }
            }
        } catch (Throwable t) {
            failure = t;
        } finally {
            for (UdpFlow f : flows) {
                closeQuietly(f.channel);
            }
            try {
                selector.close();
            } catch (IOException e) {
                failure = failure != null ? failure : e;
            }
            publish();
        }
    }

    /** One connected socket per flow, bound round robin to the source addresses if given. */
    private void open() throws IOException {
        InetSocketAddress server = config.server();
        StandardProtocolFamily family = server.getAddress() instanceof Inet6Address
                ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
        for (int id = 0; id < config.connections(); id++) {
            DatagramChannel channel = DatagramChannel.open(family);
            UdpFlow flow = new UdpFlow(id, random.nextLong(DataPattern.LENGTH), channel);
            flows.add(flow);
            try {
                List<InetAddress> sources = config.sourceAddresses();
                if (!sources.isEmpty()) {
                    channel.bind(new InetSocketAddress(sources.get(id % sources.size()), 0));
                }
                channel.connect(server);
                channel.configureBlocking(false);
                channel.register(selector, SelectionKey.OP_READ, flow);
            } catch (IOException e) {
                fail(flow, e);
            }
        }
    }

    private void ready(SelectionKey key) {
        receive((UdpFlow) key.attachment(), System.nanoTime());
    }

    /** Reads what arrived for {@code flow}, at most {@value #BATCH} datagrams. */
    private void receive(UdpFlow flow, long now) {
        for (int i = 0; i < BATCH && !flow.failed; i++) {
            readBuffer.clear();
            int n;
            try {
                n = flow.channel.read(readBuffer);
            } catch (IOException e) {
                fail(flow, e);
                return;
            }
            if (n <= 0) {
                return; // nothing there (an empty datagram, which no flow sends, reads the same)
            }
            readBuffer.flip();
            check(flow, now);
        }
    }

    /** Classifies one datagram that came back for {@code flow} (readBuffer, position 0 to limit). */
    private void check(UdpFlow flow, long now) {
        int length = readBuffer.limit();
        lastTrafficNanos = now;
        arrivals++;
        totalBytesReceived += length;
        bytesReceived += length;
        if (!UdpDatagram.headerIntact(readBuffer) || UdpDatagram.flowId(readBuffer) != flow.id
                || UdpDatagram.sequence(readBuffer) < 0 || UdpDatagram.sequence(readBuffer) >= flow.sent) {
            corruptDatagrams++; // a damaged header, or not one this flow sent: no byte of it can be trusted
            corruptBytes += length;
            return;
        }
        long sequence = UdpDatagram.sequence(readBuffer);
        int expected = config.sizeBytes() - UdpDatagram.HEADER_BYTES;
        int payload = length - UdpDatagram.HEADER_BYTES;
        readBuffer.limit(UdpDatagram.HEADER_BYTES + Math.min(payload, expected)).position(UdpDatagram.HEADER_BYTES);
        long bad = DataPattern.countMismatches(pattern, readBuffer, UdpDatagram.payloadOffset(sequence, config.sizeBytes()),
                flow.seed) + Math.abs(payload - expected);
        if (bad > 0) {
            corruptDatagrams++;
            corruptBytes += bad;
        }
        if (flow.arrived(sequence)) {
            distinct++;
            if (measuring) {
                messages++;
                latencyNanos.recordValue(Math.max(1, Math.min(now - UdpDatagram.sentNanos(readBuffer), LoadWorker.HIGHEST_NANOS)));
            }
        }
        if (config.mode() == LoadMode.PINGPONG && sequence == flow.awaiting) {
            flow.awaiting = -1;
            if (!stopping) {
                sendNext(flow, now);
            }
        }
    }

    /** pingpong: sends the flow's next datagram and starts waiting for it. */
    private void sendNext(UdpFlow flow, long now) {
        long sequence = flow.sent;
        if (send(flow, now, now)) {
            flow.awaiting = sequence;
            flow.awaitDeadlineNanos = now + udp.datagramTimeout().toNanos();
        }
    }

    /**
     * pingpong: gives up datagrams whose echo is overdue (a flow sends its next one instead)
     * and sends for flows whose last send did not go out (socket buffer full).
     */
    private void scanPingPong(long now) {
        for (UdpFlow f : flows) {
            if (f.failed) {
                continue;
            }
            if (f.awaiting >= 0 && now - f.awaitDeadlineNanos >= 0) {
                f.timedOut++;
                f.awaiting = -1;
            }
            if (f.awaiting < 0 && !stopping) {
                sendNext(f, now);
            }
        }
    }

    /** rate: sends every datagram that is due (and was due before the end), at most {@value #BATCH} per call. */
    private void sendDue(long now) {
        for (int sends = 0; sends < BATCH && !rateQueue.isEmpty(); ) {
            UdpFlow f = rateQueue.peek();
            if (f.nextDueNanos - now > 0) {
                return;
            }
            if (f.failed || f.nextDueNanos - stopAtNanos >= 0) {
                rateQueue.poll();
                continue;
            }
            if (!send(f, f.nextDueNanos, now)) {
                if (f.failed) {
                    rateQueue.poll();
                    continue;
                }
                return; // the socket buffer is full: the same datagram, late, on the next turn
            }
            latenessNanos.recordValue(Math.max(0, Math.min(now - f.nextDueNanos, LoadWorker.HIGHEST_NANOS)));
            rateQueue.poll();
            f.nextDueNanos = due(f, f.sent);
            rateQueue.add(f);
            sends++;
        }
    }

    /** rate: the intended send time of the flow's datagram {@code k}. */
    private long due(UdpFlow f, long k) {
        return f.firstDueNanos + (long) (k * periodNanos);
    }

    /** rate: how many of the flow's datagrams fell due before {@code end}. */
    private long dueBefore(UdpFlow f, long end) {
        long k = Math.max(0, (long) Math.ceil((end - f.firstDueNanos) / periodNanos));
        while (due(f, k) - end < 0) {
            k++;
        }
        while (k > 0 && due(f, k - 1) - end >= 0) {
            k--;
        }
        return k;
    }

    /** Sends the flow's next datagram stamped {@code stampNanos}; false if it did not go out. */
    private boolean send(UdpFlow flow, long stampNanos, long now) {
        long sequence = flow.sent;
        if (sequence > MAX_SEQUENCE) {
            return false;
        }
        int payload = config.sizeBytes() - UdpDatagram.HEADER_BYTES;
        datagram[0] = UdpDatagram.header(header, flow.id, sequence, stampNanos);
        datagram[1] = DataPattern.select(pattern, UdpDatagram.payloadOffset(sequence, config.sizeBytes()), flow.seed, payload);
        long written;
        try {
            written = flow.channel.write(datagram);
        } catch (IOException e) {
            fail(flow, e);
            return false;
        }
        if (written <= 0) {
            return false;
        }
        flow.sent++;
        sent++;
        lastTrafficNanos = now;
        bytesSent += written;
        totalBytesSent += written;
        return true;
    }

    /** The flow's socket failed (e.g. ICMP port unreachable: nothing listens there): it sends and reads no more. */
    private void fail(UdpFlow flow, IOException e) {
        if (flow.failed) {
            return;
        }
        flow.failed = true;
        errors[ErrorCause.of(e).ordinal()]++;
        failedOwed += flow.owed();
        SelectionKey key = flow.channel.keyFor(selector);
        if (key != null) {
            key.cancel();
        }
    }

    /**
     * Nothing more to wait for: pingpong, no flow awaits an echo (each came back or was given
     * up after {@code --datagram-timeout}); rate, every datagram that fell due was sent. Then
     * every one sent came back, or nothing was sent or received for {@code --datagram-timeout}
     * (a straggler given up just before the end still counts if it comes by then). Flows that
     * failed are not waited for.
     */
    private boolean settled(long now) {
        if (config.mode() == LoadMode.PINGPONG) {
            for (UdpFlow f : flows) {
                if (!f.failed && f.awaiting >= 0) {
                    return false;
                }
            }
        } else if (!rateQueue.isEmpty() && rateQueue.peek().nextDueNanos - stopAtNanos < 0) {
            return false;
        }
        return sent - distinct - failedOwed <= 0 || now - lastTrafficNanos >= udp.datagramTimeout().toNanos();
    }

    private void resetMeasured() {
        measuring = true;
        cpuAtMeasureStartNanos = THREAD_CPU.getCurrentThreadCpuTime();
        latencyNanos.reset();
        messages = 0;
        bytesSent = 0;
        bytesReceived = 0;
    }

    private boolean rateSendIsNext(long now, long waitNanos) {
        return !rateQueue.isEmpty() && rateQueue.peek().nextDueNanos - now <= waitNanos;
    }

    /** How long the selector may wait, in ns; 0 means not at all. */
    private long waitNanos(long now) {
        long waitNanos = MAX_WAIT_NANOS;
        if (!measuring) {
            waitNanos = Math.min(waitNanos, measureStartNanos - now);
        }
        waitNanos = Math.min(waitNanos, stopping ? drainDeadlineNanos - now : stopAtNanos - now);
        if (!rateQueue.isEmpty()) {
            waitNanos = Math.min(waitNanos, rateQueue.peek().nextDueNanos - now);
        }
        if (config.mode() == LoadMode.PINGPONG) {
            waitNanos = Math.min(waitNanos, nextScanNanos - now);
        }
        return Math.max(0, waitNanos);
    }

    private void publish() {
        publishedMessages = messages;
        publishedSent = sent;
        publishedOwed = sent - distinct;
        publishedCorrupt = corruptDatagrams;
        long sum = 0;
        for (long e : errors) {
            sum += e;
        }
        publishedErrors = sum;
    }

    private static void closeQuietly(DatagramChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // closing a datagram socket has nothing left to deliver: nothing to report
        }
    }

    /** Adds this worker's final statistics to {@code totals}; only after {@link #run} returned. */
    void addTo(UdpLoadReport.Totals totals) {
        totals.latencyNanos.add(latencyNanos);
        totals.latenessNanos.add(latenessNanos);
        totals.messages += messages;
        totals.bytesSent += bytesSent;
        totals.bytesReceived += bytesReceived;
        totals.cpuNanos += cpuNanos;
        totals.sent += sent;
        totals.arrivals += arrivals;
        totals.distinct += distinct;
        totals.corruptDatagrams += corruptDatagrams;
        totals.corruptBytes += corruptBytes;
        totals.totalBytesSent += totalBytesSent;
        totals.totalBytesReceived += totalBytesReceived;
        totals.scheduled += scheduled;
        for (UdpFlow f : flows) {
            totals.duplicated += f.duplicated;
            totals.reordered += f.reordered;
            totals.timedOut += f.timedOut;
        }
        for (int i = 0; i < errors.length; i++) {
            totals.errors[i] += errors[i];
        }
    }

    // ---- read by the controller: published values any time, the rest after the thread ended ----

    long publishedMessages() {
        return publishedMessages;
    }

    long publishedSent() {
        return publishedSent;
    }

    long publishedOwed() {
        return publishedOwed;
    }

    long publishedCorrupt() {
        return publishedCorrupt;
    }

    long publishedErrors() {
        return publishedErrors;
    }
}
