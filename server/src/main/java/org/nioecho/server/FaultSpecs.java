package org.nioecho.server;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Reads {@link FaultSpec}s from text: {@code KIND[:key=value[,key=value...]]} for
 * {@code --fault}, and one spec per line for {@code PUT /faults}. Bad input throws
 * {@link IllegalArgumentException} with one line naming the problem; the spec's
 * {@link FaultSpec#text() text} is the normalised form, which parses back to the same spec.
 *
 * <pre>{@code
 * FaultSpec spec = FaultSpecs.parse("reset:after=1KiB,probability=0.1");
 * List<FaultSpec> specs = FaultSpecs.parseLines("# the set\nlatency:delay=200ms\nblackhole\n");
 * }</pre>
 */
public final class FaultSpecs {
    /** The most specs a plan holds: each new connection draws from every one of them. */
    public static final int MAX_SPECS = 64;
    /** The largest slice piece (the largest read the server does is its read buffer). */
    public static final int MAX_SLICE_BYTES = 65_536;

    private static final Pattern TIMED = Pattern.compile("\\d+\\s*(ms|s|h)|pt.*");
    private static final Pattern AMBIGUOUS_M = Pattern.compile("\\d+\\s*m");
    private static final Pattern PROBABILITY = Pattern.compile("\\d+(\\.\\d+)?|\\.\\d+");
    private static final int QUOTED_MAX_CHARS = 40;
    private static final String PROBABILITY_KEY = "probability";

    private FaultSpecs() {
    }

    /** One spec, e.g. {@code reset:after=1KiB} or {@code slice:size=1..16,delay=10ms,probability=0.5}. */
    public static FaultSpec parse(String text) {
        String trimmed = text.trim();
        if (trimmed.isEmpty()) {
            throw new IllegalArgumentException("empty fault spec (e.g. reset:after=1KiB)");
        }
        int colon = trimmed.indexOf(':');
        String kindText = (colon < 0 ? trimmed : trimmed.substring(0, colon)).trim();
        FaultKind kind = kind(kindText);
        Map<String, String> values = colon < 0 ? Map.of() : keyValues(kind, trimmed.substring(colon + 1));
        Set<String> allowed = keys(kind);
        for (String key : values.keySet()) {
            if (!allowed.contains(key) && !key.equals(PROBABILITY_KEY)) {
                throw new IllegalArgumentException("unknown key '" + quote(key) + "' for " + kind.tag() + " (use "
                        + String.join(", ", allowed) + (allowed.isEmpty() ? "" : ", ") + PROBABILITY_KEY + ")");
            }
        }
        return new Reader(kind, values).spec();
    }

    /**
     * A whole set, one spec per line; blank lines and lines starting with {@code #} are skipped.
     * All or nothing: the first bad line throws, naming its number.
     */
    public static List<FaultSpec> parseLines(String body) {
        List<FaultSpec> specs = new ArrayList<>();
        String[] lines = body.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            try {
                specs.add(parse(line));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("line " + (i + 1) + ": " + e.getMessage());
            }
            if (specs.size() > MAX_SPECS) {
                throw new IllegalArgumentException("line " + (i + 1) + ": more than " + MAX_SPECS + " faults");
            }
        }
        return List.copyOf(specs);
    }

    private static FaultKind kind(String text) {
        for (FaultKind kind : FaultKind.values()) {
            if (kind.tag().equals(text.toLowerCase(Locale.ROOT))) {
                return kind;
            }
        }
        throw new IllegalArgumentException("unknown fault kind '" + quote(text) + "' (use "
                + Arrays.stream(FaultKind.values()).map(FaultKind::tag).collect(Collectors.joining(", ")) + ")");
    }

    /** The keys a kind takes besides probability, in the order of its normalised text. */
    private static Set<String> keys(FaultKind kind) {
        return switch (kind) {
            case RESET, CLOSE, STALL -> Set.of("after");
            case LIMIT -> Set.of("bytes");
            case BLACKHOLE -> Set.of();
            case LATENCY -> new java.util.LinkedHashSet<>(List.of("delay", "jitter"));
            case BANDWIDTH -> Set.of("rate");
            case SLICE -> new java.util.LinkedHashSet<>(List.of("size", "delay"));
        };
    }

    private static Map<String, String> keyValues(FaultKind kind, String text) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String pair : text.split(",", -1)) {
            int equals = pair.indexOf('=');
            String key = (equals < 0 ? pair : pair.substring(0, equals)).trim().toLowerCase(Locale.ROOT);
            String value = equals < 0 ? "" : pair.substring(equals + 1).trim();
            if (key.isEmpty() || equals < 0 || value.isEmpty()) {
                throw new IllegalArgumentException(kind.tag() + ": '" + quote(pair.trim()) + "' is not key=value");
            }
            if (values.put(key, value) != null) {
                throw new IllegalArgumentException(kind.tag() + ": " + key + " is given twice");
            }
        }
        return values;
    }

    /** The user's text for a message: printable, short, on one line. */
    private static String quote(String text) {
        StringBuilder out = new StringBuilder();
        text.codePoints().limit(QUOTED_MAX_CHARS).forEach(c -> out.appendCodePoint(c < 0x20 || c == 0x7f ? '?' : c));
        return text.codePointCount(0, text.length()) > QUOTED_MAX_CHARS ? out + "..." : out.toString();
    }

    /** Reads one kind's values and builds its spec with the normalised text. */
    private static final class Reader {
        private final FaultKind kind;
        private final Map<String, String> values;
        private final StringBuilder text = new StringBuilder();

        Reader(FaultKind kind, Map<String, String> values) {
            this.kind = kind;
            this.values = values;
            text.append(kind.tag());
        }

        FaultSpec spec() {
            long afterBytes = 0;
            long afterNanos = 0;
            long limitBytes = 0;
            long delayNanos = 0;
            long jitterNanos = 0;
            long rate = 0;
            int sliceMin = 0;
            int sliceMax = 0;
            switch (kind) {
                case RESET, CLOSE, STALL -> {
                    String after = required("after", "BYTES or DURATION (e.g. after=1KiB or after=2s)");
                    String lower = after.toLowerCase(Locale.ROOT);
                    if (AMBIGUOUS_M.matcher(lower).matches()) {
                        throw problem("after=" + quote(after) + " is ambiguous (write " + lower.replace("m", "MiB")
                                + " for bytes or seconds for a time)");
                    }
                    if (TIMED.matcher(lower).matches()) {
                        afterBytes = -1;
                        afterNanos = duration("after", after);
                    } else {
                        afterNanos = -1;
                        afterBytes = bytes("after", after, "BYTES or DURATION (e.g. after=1KiB or after=2s)");
                    }
                }
                case LIMIT -> limitBytes = bytes("bytes", required("bytes", "BYTES (e.g. bytes=100)"), "BYTES");
                case BLACKHOLE -> {
                }
                case LATENCY -> {
                    delayNanos = duration("delay", required("delay", "DURATION (e.g. delay=200ms)"));
                    String jitter = values.get("jitter");
                    if (jitter != null) {
                        jitterNanos = duration("jitter", jitter);
                        if (jitterNanos > delayNanos) {
                            throw problem("jitter (" + quote(jitter) + ") must not exceed delay (" + quote(values.get("delay")) + ")");
                        }
                    }
                }
                case BANDWIDTH -> {
                    String value = required("rate", "BYTES_PER_SECOND (e.g. rate=64KiB)");
                    String bytesPart = value.toLowerCase(Locale.ROOT).endsWith("/s") ? value.substring(0, value.length() - 2) : value;
                    rate = parseBytes("rate", value, bytesPart, "BYTES_PER_SECOND");
                    if (rate < 1) {
                        throw problem("rate must be at least 1 byte per second");
                    }
                    text.setLength(0);
                    text.append(kind.tag()).append(":rate=").append(formatBytes(rate));
                }
                case SLICE -> {
                    String size = required("size", "MIN..MAX (e.g. size=1..16)");
                    int dots = size.indexOf("..");
                    String minText = dots < 0 ? size : size.substring(0, dots);
                    String maxText = dots < 0 ? size : size.substring(dots + 2);
                    long min = parseBytes("size", size, minText, "MIN..MAX bytes (e.g. size=1..16)");
                    long max = parseBytes("size", size, maxText, "MIN..MAX bytes (e.g. size=1..16)");
                    if (min < 1 || max < min || max > MAX_SLICE_BYTES) {
                        throw problem("size=" + quote(size) + " must be MIN..MAX with 1 <= MIN <= MAX <= " + MAX_SLICE_BYTES);
                    }
                    sliceMin = (int) min;
                    sliceMax = (int) max;
                    text.setLength(0);
                    text.append(kind.tag()).append(":size=").append(formatBytes(min)).append("..").append(formatBytes(max));
                    String delay = values.get("delay");
                    if (delay != null) {
                        delayNanos = duration("delay", delay);
                    }
                }
            }
            double probability = probability();
            return new FaultSpec(kind, afterBytes, afterNanos, limitBytes, delayNanos, jitterNanos, rate,
                    sliceMin, sliceMax, probability, text.toString());
        }

        private String required(String key, String what) {
            String value = values.get(key);
            if (value == null) {
                throw new IllegalArgumentException(kind.tag() + " needs " + key + "=" + what);
            }
            return value;
        }

        private long bytes(String key, String value, String what) {
            long bytes = parseBytes(key, value, value, what);
            append(key, formatBytes(bytes));
            return bytes;
        }

        private long parseBytes(String key, String value, String part, String what) {
            try {
                return Units.parseBytes(part);
            } catch (IllegalArgumentException e) {
                throw problem(key + "=" + quote(value) + " is not " + what);
            }
        }

        private long duration(String key, String value) {
            Duration duration;
            try {
                duration = Units.parseDuration(value);
            } catch (IllegalArgumentException e) {
                throw problem(key + "=" + quote(value) + " is not a duration (e.g. 500ms or 2s)");
            }
            if (duration.isNegative() || duration.compareTo(ServerConfig.MAX_DURATION) > 0) {
                throw problem(key + "=" + quote(value) + " is out of range (0 to " + ServerConfig.MAX_DURATION.toHours() + "h)");
            }
            append(key, formatDuration(duration));
            return duration.toNanos();
        }

        private double probability() {
            String value = values.get(PROBABILITY_KEY);
            if (value == null) {
                return 1;
            }
            double probability = PROBABILITY.matcher(value).matches() ? Double.parseDouble(value) : Double.NaN;
            if (!(probability >= 0 && probability <= 1)) {
                throw problem("probability=" + quote(value) + " is not a number within 0..1");
            }
            if (probability < 1) {
                append(PROBABILITY_KEY, BigDecimal.valueOf(probability).stripTrailingZeros().toPlainString());
            }
            return probability;
        }

        private void append(String key, String value) {
            text.append(text.indexOf(":") < 0 ? ':' : ',').append(key).append('=').append(value);
        }

        private IllegalArgumentException problem(String message) {
            return new IllegalArgumentException(kind.tag() + ": " + message);
        }
    }

    /** {@code 1KiB}, {@code 3MiB}, {@code 100}: the largest unit that divides the count. */
    static String formatBytes(long bytes) {
        if (bytes != 0 && bytes % (1L << 30) == 0) {
            return (bytes >> 30) + "GiB";
        }
        if (bytes != 0 && bytes % (1L << 20) == 0) {
            return (bytes >> 20) + "MiB";
        }
        if (bytes != 0 && bytes % 1024 == 0) {
            return (bytes >> 10) + "KiB";
        }
        return Long.toString(bytes);
    }

    /** {@code 2s}, {@code 500ms}; below a millisecond, ISO-8601 ({@code PT0.0005S}). */
    static String formatDuration(Duration duration) {
        long nanos = duration.toNanos();
        if (nanos % 1_000_000_000L == 0) {
            return nanos / 1_000_000_000L + "s";
        }
        if (nanos % 1_000_000L == 0) {
            return nanos / 1_000_000L + "ms";
        }
        return duration.toString();
    }
}
