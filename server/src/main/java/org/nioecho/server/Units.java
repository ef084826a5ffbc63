package org.nioecho.server;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the sizes and durations of the command lines: {@code 65536}, {@code 64k},
 * {@code 64KiB}, {@code 1m}, {@code 1MiB}; {@code 500ms}, {@code 30s}, {@code 2m},
 * {@code 1h}, {@code 0}, {@code PT30S}. Bad input throws {@link IllegalArgumentException}
 * with a message fit for the user.
 */
public final class Units {
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(|b|k|kb|kib|m|mb|mib|g|gb|gib|t|tb|tib)");
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|)");

    private Units() {
    }

    /** Bytes; the suffixes k, m, g, t (with or without "iB"/"B") are powers of 1024. */
    public static long parseBytes(String text) {
        Matcher m = SIZE.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a size (try 65536, 64KiB or 1MiB)");
        }
        long value;
        try {
            value = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is too large");
        }
        int shift = switch (m.group(2)) {
            case "k", "kb", "kib" -> 10;
            case "m", "mb", "mib" -> 20;
            case "g", "gb", "gib" -> 30;
            case "t", "tb", "tib" -> 40;
            default -> 0;
        };
        if (value > (Long.MAX_VALUE >> shift)) {
            throw new IllegalArgumentException("'" + text + "' is too large");
        }
        return value << shift;
    }

    /** Bytes that must fit an int (buffer sizes, water marks). */
    public static int parseIntBytes(String text) {
        long bytes = parseBytes(text);
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("'" + text + "' is too large (at most 2GiB - 1)");
        }
        return (int) bytes;
    }

    /** A duration: a number with ms, s (the default), m or h, or ISO-8601 such as PT30S. */
    public static Duration parseDuration(String text) {
        String trimmed = text.trim();
        if (trimmed.toUpperCase(Locale.ROOT).startsWith("PT")) {
            try {
                return Duration.parse(trimmed);
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("'" + text + "' is not a duration");
            }
        }
        Matcher m = DURATION.matcher(trimmed.toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration (try 500ms, 30s or 2m)");
        }
        try {
            long value = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(value);
                case "m" -> Duration.ofMinutes(value);
                case "h" -> Duration.ofHours(value);
                default -> Duration.ofSeconds(value);
            };
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is too long");
        }
    }

    /** A short form for messages: {@code 1500 ms}, {@code 30 s}. */
    public static String format(Duration duration) {
        long ms = duration.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms";
    }
}
