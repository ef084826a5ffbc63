package org.nioecho.bench;

import org.nioecho.harness.Listening;
import sun.misc.Signal;

import java.lang.invoke.MethodHandle;
import java.lang.reflect.Array;
import java.lang.reflect.Method;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Optional;

/**
 * The reactor's echo loop without {@code java.nio}: one thread on the kernel's epoll, with
 * {@code socket}, {@code accept4}, {@code read} and {@code write} called directly through the
 * Foreign Function and Memory API (JDK 22+), connections found by descriptor in an array.
 * It exists to measure what the JDK's {@code Selector} and {@code SocketChannel} cost per
 * message, by construction: the same loop as the reactor, minus that layer (docs/bench.md).
 * A bench contender, not a server: plain echo only, no limits, no timeouts.
 *
 * <p>Compiled for Java 17, so it reaches {@code java.lang.foreign} by reflection once at
 * start; every call after that is a {@code MethodHandle} on primitives (pointers passed as
 * {@code long}, which the x86-64 and AArch64 C conventions pass like a pointer).
 *
 * <pre>{@code
 * java -cp benchmarks.jar org.nioecho.bench.FfmEpollEchoServer --port 0   # JDK 22+; 0 picks a free port
 * }</pre>
 * {@code --send-buffer BYTES} sets each connection's SO_SNDBUF (tests use it to make writes
 * come up short).
 * Exit codes: 0 stopped by SIGTERM/SIGINT, 1 cannot start (address in use), 2 bad usage,
 * 3 needs JDK 22+.
 */
public final class FfmEpollEchoServer {
    private static final int AF_INET = 2;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_NONBLOCK = 0x800;
    private static final int SOL_SOCKET = 1;
    private static final int SO_REUSEADDR = 2;
    private static final int SO_SNDBUF = 7;
    private static final int IPPROTO_TCP = 6;
    private static final int TCP_NODELAY = 1;
    private static final int EPOLL_CTL_ADD = 1;
    private static final int EPOLL_CTL_MOD = 3;
    private static final int EPOLLIN = 0x1;
    private static final int EPOLLOUT = 0x4;
    private static final int EPOLLERR = 0x8;
    private static final int EPOLLHUP = 0x10;
    private static final int EVENT_BYTES = 12; // struct epoll_event is packed on x86-64
    private static final int MAX_EVENTS = 1024;
    private static final int READ_BYTES = 64 * 1024;

    private final ByteBuffer events = ByteBuffer.allocateDirect(MAX_EVENTS * EVENT_BYTES).order(ByteOrder.nativeOrder());
    private final long eventsAddress;
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(READ_BYTES);
    private final long readAddress;
    private final ByteBuffer scratch = ByteBuffer.allocateDirect(64).order(ByteOrder.nativeOrder());
    private final long scratchAddress;
    private ByteBuffer[] owed = new ByteBuffer[1024]; // by descriptor: bytes the socket did not take yet
    private final int epoll;
    private final int listener;
    private final int port;
    private final int sendBufferBytes; // 0: the kernel's default, auto-tuned

    private FfmEpollEchoServer(byte[] address, int port, int sendBufferBytes) throws Throwable {
        this.sendBufferBytes = sendBufferBytes;
        eventsAddress = Libc.address(events);
        readAddress = Libc.address(readBuffer);
        scratchAddress = Libc.address(scratch);
        listener = (int) Libc.SOCKET.invokeExact(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        check(listener, "socket");
        if (!setIntOption(listener, SOL_SOCKET, SO_REUSEADDR, 1)) {
            throw new IllegalStateException("setsockopt SO_REUSEADDR failed");
        }
        scratch.clear();
        scratch.putShort(0, (short) AF_INET);
        scratch.order(ByteOrder.BIG_ENDIAN).putShort(2, (short) port);
        scratch.put(4, address); // already in network order
        scratch.order(ByteOrder.nativeOrder()).putLong(8, 0L);
        if ((int) Libc.BIND.invokeExact(listener, scratchAddress, 16) != 0) {
            throw new StartFailure("cannot listen on " + InetAddress.getByAddress(address).getHostAddress() + ":" + port
                    + ": bind failed (address in use?)");
        }
        check((int) Libc.LISTEN.invokeExact(listener, 1024), "listen");
        scratch.putInt(16, 16); // socklen_t, after the 16-byte sockaddr_in
        check((int) Libc.GETSOCKNAME.invokeExact(listener, scratchAddress, scratchAddress + 16), "getsockname");
        this.port = Short.toUnsignedInt(scratch.order(ByteOrder.BIG_ENDIAN).getShort(2));
        scratch.order(ByteOrder.nativeOrder());
        epoll = (int) Libc.EPOLL_CREATE1.invokeExact(0);
        check(epoll, "epoll_create1");
        control(EPOLL_CTL_ADD, listener, EPOLLIN);
    }

    /** Starts the server and serves until the JVM is stopped (SIGTERM, SIGINT). */
    public static void main(String[] args) {
        int port = 9877;
        int sendBufferBytes = 0;
        String bind = "127.0.0.1";
        try {
            for (int i = 0; i < args.length; i++) {
                String option = args[i];
                if (!option.equals("--port") && !option.equals("--bind") && !option.equals("--send-buffer")) {
                    throw new IllegalArgumentException("unknown option " + option);
                }
                if (++i == args.length) {
                    throw new IllegalArgumentException(option + " needs a value");
                }
                switch (option) {
                    case "--port" -> port = number(option, args[i]);
                    case "--bind" -> bind = args[i];
                    default -> sendBufferBytes = number(option, args[i]);
                }
            }
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("--port must be 0-65535");
            }
            if (sendBufferBytes < 0) {
                throw new IllegalArgumentException("--send-buffer must be at least 0");
            }
        } catch (RuntimeException e) {
            System.err.println("ffm-epoll-echo: " + e.getMessage()
                    + " (usage: FfmEpollEchoServer [--port 0-65535] [--bind IPV4] [--send-buffer BYTES])");
            System.exit(2);
            return;
        }
        byte[] address;
        try {
            InetAddress parsed = InetAddress.getByName(bind);
            if (!(parsed instanceof Inet4Address)) {
                throw new UnknownHostException(bind + " is not IPv4");
            }
            address = parsed.getAddress();
        } catch (UnknownHostException e) {
            System.err.println("ffm-epoll-echo: --bind takes an IPv4 address: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (Runtime.version().feature() < 22) {
            System.err.println("ffm-epoll-echo: needs JDK 22 or later (java.lang.foreign); this is "
                    + Runtime.version());
            System.exit(3);
            return;
        }
        FfmEpollEchoServer server;
        try {
            server = new FfmEpollEchoServer(address, port, sendBufferBytes);
        } catch (StartFailure e) {
            System.err.println("ffm-epoll-echo: " + e.getMessage());
            System.exit(1);
            return;
        } catch (Throwable e) {
            e.printStackTrace();
            System.exit(1);
            return;
        }
        for (String signal : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(signal), s -> {
                System.out.println("nioecho ffm-epoll server stopped");
                System.exit(0);
            });
        }
        System.out.println(Listening.line("ffm-epoll", new InetSocketAddress(bind, server.port)));
        try {
            server.serve();
        } catch (Throwable e) {
            e.printStackTrace();
            System.exit(1);
        }
    }

    private void serve() throws Throwable {
        while (true) {
            int ready = (int) Libc.EPOLL_WAIT.invokeExact(epoll, eventsAddress, MAX_EVENTS, -1);
            if (ready < 0) {
                continue; // EINTR (a signal to this thread); nothing else can fail here
            }
            for (int i = 0; i < ready; i++) {
                int flags = events.getInt(i * EVENT_BYTES);
                int fd = (int) events.getLong(i * EVENT_BYTES + 4);
                if (fd == listener) {
                    acceptAll();
                } else {
                    serve(fd, flags);
                }
            }
        }
    }

    private void acceptAll() throws Throwable {
        while (true) {
            int fd = (int) Libc.ACCEPT4.invokeExact(listener, 0L, 0L, SOCK_NONBLOCK);
            if (fd < 0) {
                return; // EAGAIN: none left (or the peer left before accept: the next one is tried next time)
            }
            if (!setIntOption(fd, IPPROTO_TCP, TCP_NODELAY, 1)
                    || sendBufferBytes > 0 && !setIntOption(fd, SOL_SOCKET, SO_SNDBUF, sendBufferBytes)) {
                int ignored = (int) Libc.CLOSE.invokeExact(fd); // the peer is gone already: nothing to serve
                continue;
            }
            if (fd >= owed.length) {
                owed = Arrays.copyOf(owed, Math.max(fd + 1, owed.length * 2));
            }
            control(EPOLL_CTL_ADD, fd, EPOLLIN);
        }
    }

    private void serve(int fd, int flags) throws Throwable {
        ByteBuffer pending = owed[fd];
        if (pending != null) {
            if ((flags & (EPOLLOUT | EPOLLERR | EPOLLHUP)) != 0) {
                flush(fd, pending, flags);
            }
            return;
        }
        long read = (long) Libc.READ.invokeExact(fd, readAddress, (long) READ_BYTES);
        if (read > 0) {
            long written = (long) Libc.WRITE.invokeExact(fd, readAddress, read);
            if (written < read) {
                owe(fd, (int) Math.max(written, 0), (int) read);
            }
        } else if (read == 0 || (flags & (EPOLLERR | EPOLLHUP)) != 0) {
            close(fd); // end of stream, or a reset; -1 without either is EAGAIN
        }
    }

    /** Keeps what the socket did not take, and waits for it to drain before reading on. */
    private void owe(int fd, int from, int to) throws Throwable {
        ByteBuffer pending = ByteBuffer.allocateDirect(to - from);
        readBuffer.clear().position(from).limit(to);
        pending.put(readBuffer).flip();
        owed[fd] = pending;
        control(EPOLL_CTL_MOD, fd, EPOLLOUT);
    }

    private void flush(int fd, ByteBuffer pending, int flags) throws Throwable {
        long address = Libc.address(pending); // MemorySegment.ofBuffer starts at the buffer's position
        long written = (long) Libc.WRITE.invokeExact(fd, address, (long) pending.remaining());
        if (written > 0) {
            pending.position(pending.position() + (int) written);
        } else if ((flags & (EPOLLERR | EPOLLHUP)) != 0) {
            close(fd);
            return;
        }
        if (!pending.hasRemaining()) {
            owed[fd] = null;
            control(EPOLL_CTL_MOD, fd, EPOLLIN);
        }
    }

    private void close(int fd) throws Throwable {
        owed[fd] = null;
        int ignored = (int) Libc.CLOSE.invokeExact(fd); // closing also leaves the epoll set
    }

    private void control(int op, int fd, int flags) throws Throwable {
        scratch.putInt(32, flags); // a struct epoll_event past the other scratch uses
        scratch.putLong(36, fd);
        check((int) Libc.EPOLL_CTL.invokeExact(epoll, op, fd, scratchAddress + 32), "epoll_ctl");
    }

    private boolean setIntOption(int fd, int level, int option, int value) throws Throwable {
        scratch.putInt(0, value);
        return (int) Libc.SETSOCKOPT.invokeExact(fd, level, option, scratchAddress, 4) == 0;
    }

    private static void check(int result, String call) {
        if (result < 0) {
            throw new IllegalStateException(call + " failed");
        }
    }

    private static int number(String option, String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " takes a whole number, not " + text);
        }
    }

    /** A start that fails for a reason worth one line, not a stack trace. */
    private static final class StartFailure extends Exception {
        StartFailure(String message) {
            super(message);
        }
    }

    /**
     * The C library's calls used here, as method handles on primitives. Static finals, so
     * that the JIT treats each handle as a constant and inlines the call; loaded only after
     * the JDK's version has been checked.
     */
    private static final class Libc {
        static final MethodHandle SOCKET;        // int socket(int, int, int)
        static final MethodHandle SETSOCKOPT;    // int setsockopt(int, int, int, const void *, socklen_t)
        static final MethodHandle BIND;          // int bind(int, const struct sockaddr *, socklen_t)
        static final MethodHandle LISTEN;        // int listen(int, int)
        static final MethodHandle GETSOCKNAME;   // int getsockname(int, struct sockaddr *, socklen_t *)
        static final MethodHandle ACCEPT4;       // int accept4(int, struct sockaddr *, socklen_t *, int)
        static final MethodHandle EPOLL_CREATE1; // int epoll_create1(int)
        static final MethodHandle EPOLL_CTL;     // int epoll_ctl(int, int, int, struct epoll_event *)
        static final MethodHandle EPOLL_WAIT;    // int epoll_wait(int, struct epoll_event *, int, int)
        static final MethodHandle READ;          // ssize_t read(int, void *, size_t)
        static final MethodHandle WRITE;         // ssize_t write(int, const void *, size_t)
        static final MethodHandle CLOSE;         // int close(int)
        private static final Method OF_BUFFER;   // MemorySegment.ofBuffer(Buffer)
        private static final Method ADDRESS;     // MemorySegment.address()

        static {
            try {
                Foreign f = new Foreign();
                SOCKET = f.downcall("socket", false, f.i, f.i, f.i, f.i);
                SETSOCKOPT = f.downcall("setsockopt", false, f.i, f.i, f.i, f.i, f.j, f.i);
                BIND = f.downcall("bind", false, f.i, f.i, f.j, f.i);
                LISTEN = f.downcall("listen", false, f.i, f.i, f.i);
                GETSOCKNAME = f.downcall("getsockname", false, f.i, f.i, f.j, f.j);
                ACCEPT4 = f.downcall("accept4", true, f.i, f.i, f.j, f.j, f.i);
                EPOLL_CREATE1 = f.downcall("epoll_create1", false, f.i, f.i);
                EPOLL_CTL = f.downcall("epoll_ctl", true, f.i, f.i, f.i, f.i, f.j);
                EPOLL_WAIT = f.downcall("epoll_wait", false, f.i, f.i, f.j, f.i, f.i); // blocks: never critical
                READ = f.downcall("read", true, f.j, f.i, f.j, f.j);
                WRITE = f.downcall("write", true, f.j, f.i, f.j, f.j);
                CLOSE = f.downcall("close", false, f.i, f.i);
                OF_BUFFER = f.memorySegment.getMethod("ofBuffer", java.nio.Buffer.class);
                ADDRESS = f.memorySegment.getMethod("address");
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("java.lang.foreign is not as JDK 22 defines it", e);
            }
        }

        private Libc() {
        }

        /** The address of a direct buffer's byte at its position. */
        static long address(ByteBuffer direct) {
            try {
                return (long) ADDRESS.invoke(OF_BUFFER.invoke(null, direct));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** {@code java.lang.foreign} by reflection, for the few calls that build the handles. */
    private static final class Foreign {
        final Class<?> memorySegment = Class.forName("java.lang.foreign.MemorySegment");
        private final Class<?> linkerClass = Class.forName("java.lang.foreign.Linker");
        private final Class<?> layoutClass = Class.forName("java.lang.foreign.MemoryLayout");
        private final Class<?> descriptorClass = Class.forName("java.lang.foreign.FunctionDescriptor");
        private final Class<?> optionClass = Class.forName("java.lang.foreign.Linker$Option");
        private final Class<?> symbolLookupClass = Class.forName("java.lang.foreign.SymbolLookup");
        private final Object linker = linkerClass.getMethod("nativeLinker").invoke(null);
        private final Object lookup = linkerClass.getMethod("defaultLookup").invoke(linker);
        final Object i = Class.forName("java.lang.foreign.ValueLayout").getField("JAVA_INT").get(null);
        final Object j = Class.forName("java.lang.foreign.ValueLayout").getField("JAVA_LONG").get(null);

        Foreign() throws ReflectiveOperationException {
        }

        /**
         * A handle on {@code name} returning {@code result} and taking {@code arguments}. A
         * critical call (one that never blocks: non-blocking sockets) skips the thread-state
         * transition, as JNI's critical natives did.
         */
        MethodHandle downcall(String name, boolean critical, Object result, Object... arguments)
                throws ReflectiveOperationException {
            Object symbol = ((Optional<?>) symbolLookupClass.getMethod("find", String.class).invoke(lookup, name))
                    .orElseThrow(() -> new NoSuchMethodException("no C symbol " + name));
            Object layouts = Array.newInstance(layoutClass, arguments.length);
            for (int k = 0; k < arguments.length; k++) {
                Array.set(layouts, k, arguments[k]);
            }
            Object descriptor = descriptorClass.getMethod("of", layoutClass, layouts.getClass())
                    .invoke(null, result, layouts);
            Object options = Array.newInstance(optionClass, critical ? 1 : 0);
            if (critical) {
                Array.set(options, 0, optionClass.getMethod("critical", boolean.class).invoke(null, false));
            }
            return (MethodHandle) linkerClass.getMethod("downcallHandle", memorySegment, descriptorClass, options.getClass())
                    .invoke(linker, symbol, descriptor, options);
        }
    }
}
