package org.nioecho.client.chat;

import org.nioecho.server.Units;
import picocli.CommandLine.Option;

import java.time.Duration;

/** The options of {@code chat} (also accepted by the top-level command, where chat is the default). */
public final class ChatOptions {
    @Option(names = "--host", paramLabel = "HOST", description = "Server host (default: ${DEFAULT-VALUE}).")
    String host = "127.0.0.1";

    @Option(names = "--port", paramLabel = "PORT", description = "Server port (default: ${DEFAULT-VALUE}).")
    int port = 9877;

    @Option(names = "--udp", description = "UDP: each input line is one datagram, each echoed datagram is written"
            + " unchanged; at input EOF wait for owed echoes at most --timeout (0: 2s).")
    boolean udp;

    @Option(names = "--timeout", paramLabel = "DURATION",
            description = "Fail if echoes are owed and none arrives for this long, e.g. 5s; 0 = wait forever "
                    + "(--udp: 2s after input EOF) (default: ${DEFAULT-VALUE}).")
    String timeout = "0";

    @Option(names = "--connect-timeout", paramLabel = "DURATION",
            description = "Give up connecting after this long (default: ${DEFAULT-VALUE}).")
    String connectTimeout = "10s";

    @Option(names = "--keepalive", description = "Turn on TCP keepalive (SO_KEEPALIVE) with the kernel's timers.")
    boolean keepalive;

    @Option(names = "--keepalive-idle", paramLabel = "DURATION",
            description = "Keepalive: idle time before the first probe (TCP_KEEPIDLE, whole seconds); implies --keepalive.")
    String keepaliveIdle;

    @Option(names = "--keepalive-interval", paramLabel = "DURATION",
            description = "Keepalive: time between probes (TCP_KEEPINTVL, whole seconds); implies --keepalive.")
    String keepaliveInterval;

    @Option(names = "--keepalive-count", paramLabel = "N",
            description = "Keepalive: unanswered probes before the connection is dropped (TCP_KEEPCNT); implies --keepalive.")
    Integer keepaliveCount;

    @Option(names = "--tls", description = "Speak TLS (1.3 or 1.2) to the server; its certificate is checked against "
            + "the JDK's trust store, or --ca.")
    boolean tls;

    @Option(names = "--ca", paramLabel = "PEM", description = "TLS: trust the certificates in this PEM file "
            + "(the server's own, or its CA) instead of the JDK's trust store.")
    java.nio.file.Path ca;

    @Option(names = "--insecure", description = "TLS: do not check the server's certificate; prints its SHA-256 "
            + "fingerprint to compare with the server's start line.")
    boolean insecure;

    /** Parses every value once, so bad input fails before connecting; throws IllegalArgumentException. */
    void validate() {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("Invalid value for option '--port': " + port + " (use 1..65535)");
        }
        if (udp && tls) {
            throw new IllegalArgumentException("--tls speaks over TCP; it does not go with --udp (DTLS is not offered)");
        }
        option("--timeout", this::timeout);
        option("--connect-timeout", this::connectTimeout);
        keepaliveIdleSeconds();
        keepaliveIntervalSeconds();
        keepaliveCount();
        tls();
    }

    /** The client TLS, or null without --tls; IllegalArgumentException for --ca/--insecure alone or together. */
    org.nioecho.client.ClientTls tls() {
        if (!tls) {
            if (ca != null || insecure) {
                throw new IllegalArgumentException((ca != null ? "--ca" : "--insecure") + " needs --tls");
            }
            return null;
        }
        return org.nioecho.client.ClientTls.of(ca, insecure);
    }

    private static void option(String name, java.util.function.Supplier<Duration> parse) {
        try {
            parse.get();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Invalid value for option '" + name + "': " + e.getMessage(), e);
        }
    }

    boolean udp() {
        return udp;
    }

    String host() {
        return host;
    }

    int port() {
        return port;
    }

    Duration timeout() {
        return Units.parseDuration(timeout);
    }

    Duration connectTimeout() {
        return Units.parseDuration(connectTimeout);
    }

    boolean keepaliveOn() {
        return keepalive || keepaliveIdle != null || keepaliveInterval != null || keepaliveCount != null;
    }

    /** Seconds, or null when not given. */
    Integer keepaliveIdleSeconds() {
        return keepaliveIdle == null ? null : wholeSeconds("--keepalive-idle", keepaliveIdle);
    }

    /** Seconds, or null when not given. */
    Integer keepaliveIntervalSeconds() {
        return keepaliveInterval == null ? null : wholeSeconds("--keepalive-interval", keepaliveInterval);
    }

    Integer keepaliveCount() {
        if (keepaliveCount != null && keepaliveCount < 1) {
            throw new IllegalArgumentException("Invalid value for option '--keepalive-count': " + keepaliveCount
                    + " (at least 1)");
        }
        return keepaliveCount;
    }

    private static int wholeSeconds(String name, String text) {
        Duration d = Units.parseDuration(text);
        if (d.toMillis() < 1000 || d.toMillis() % 1000 != 0) {
            throw new IllegalArgumentException("Invalid value for option '" + name + "': '" + text
                    + "' (use whole seconds, at least 1s)");
        }
        return (int) Math.min(Integer.MAX_VALUE, d.toSeconds());
    }
}
