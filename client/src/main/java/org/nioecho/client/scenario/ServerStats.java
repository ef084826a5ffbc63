package org.nioecho.client.scenario;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The server's summary line, as {@code stats} and the shutdown line print it:
 * {@code 12 connections, 3456 bytes in, 3456 bytes out, closed: eof=10 shutdown=2, accept errors: aborted=1}.
 */
record ServerStats(long accepted, long bytesIn, long bytesOut, Map<String, Long> closed, Map<String, Long> acceptErrors) {
    private static final Pattern SUMMARY = Pattern.compile(
            "(\\d+) connections?, (\\d+) bytes in, (\\d+) bytes out, closed: ([^,]*)(?:, accept errors: (.*))?");
    private static final Pattern COUNT = Pattern.compile("([a-z.]+)=(\\d+)");

    ServerStats {
        closed = Map.copyOf(closed);
        acceptErrors = Map.copyOf(acceptErrors);
    }

    /** Parses a summary found anywhere in {@code line}; IllegalArgumentException if there is none. */
    static ServerStats parse(String line) {
        Matcher m = SUMMARY.matcher(line);
        if (!m.find()) {
            throw new IllegalArgumentException("not a server summary: " + line);
        }
        return new ServerStats(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)),
                counts(m.group(4)), counts(m.group(5)));
    }

    private static Map<String, Long> counts(String text) {
        Map<String, Long> counts = new LinkedHashMap<>();
        if (text != null) {
            Matcher m = COUNT.matcher(text);
            while (m.find()) {
                counts.put(m.group(1), Long.parseLong(m.group(2)));
            }
        }
        return counts;
    }

    long closed(String cause) {
        return closed.getOrDefault(cause, 0L);
    }

    long closedTotal() {
        return closed.values().stream().mapToLong(Long::longValue).sum();
    }

    long acceptErrorsTotal() {
        return acceptErrors.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Connections accepted and not closed yet. */
    long open() {
        return accepted - closedTotal();
    }
}
