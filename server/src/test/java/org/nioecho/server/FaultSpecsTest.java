package org.nioecho.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 11: the {@code --fault} / {@code PUT /faults} grammar, every kind, its defaults and each error. */
class FaultSpecsTest {
    private static final long MS = 1_000_000L;
    private static final long S = 1_000_000_000L;

    @Test
    void resetAndCloseAfterBytesOrTimeDecidedBySuffix() {
        FaultSpec bytes = FaultSpecs.parse("reset:after=1KiB");
        assertEquals(FaultKind.RESET, bytes.kind());
        assertEquals(1024, bytes.afterBytes());
        assertEquals(-1, bytes.afterNanos());
        assertEquals(1.0, bytes.probability());
        assertEquals("reset:after=1KiB", bytes.text());

        FaultSpec plain = FaultSpecs.parse("close:after=100");
        assertEquals(FaultKind.CLOSE, plain.kind());
        assertEquals(100, plain.afterBytes());
        assertEquals(-1, plain.afterNanos());

        FaultSpec timed = FaultSpecs.parse("close:after=2s");
        assertEquals(-1, timed.afterBytes());
        assertEquals(2 * S, timed.afterNanos());
        assertEquals("close:after=2s", timed.text());

        FaultSpec ms = FaultSpecs.parse("reset:after=500ms");
        assertEquals(500 * MS, ms.afterNanos());
        assertEquals(-1, ms.afterBytes());
        assertEquals(-1, FaultSpecs.parse("reset:after=PT0.25S").afterBytes());
        assertEquals(250 * MS, FaultSpecs.parse("reset:after=PT0.25S").afterNanos());
    }

    @Test
    void limitStallAndBlackhole() {
        FaultSpec limit = FaultSpecs.parse("limit:bytes=100");
        assertEquals(FaultKind.LIMIT, limit.kind());
        assertEquals(100, limit.limitBytes());
        assertEquals("limit:bytes=100", limit.text());

        FaultSpec stallBytes = FaultSpecs.parse("stall:after=64KiB");
        assertEquals(FaultKind.STALL, stallBytes.kind());
        assertEquals(65536, stallBytes.afterBytes());
        assertEquals(-1, stallBytes.afterNanos());
        FaultSpec stallTime = FaultSpecs.parse("stall:after=3s");
        assertEquals(3 * S, stallTime.afterNanos());
        assertEquals(-1, stallTime.afterBytes());

        FaultSpec blackhole = FaultSpecs.parse("blackhole");
        assertEquals(FaultKind.BLACKHOLE, blackhole.kind());
        assertEquals(1.0, blackhole.probability());
        assertEquals("blackhole", blackhole.text());
    }

    @Test
    void latencyWithAndWithoutJitter() {
        FaultSpec latency = FaultSpecs.parse("latency:delay=200ms,jitter=50ms");
        assertEquals(FaultKind.LATENCY, latency.kind());
        assertEquals(200 * MS, latency.delayNanos());
        assertEquals(50 * MS, latency.jitterNanos());
        assertEquals("latency:delay=200ms,jitter=50ms", latency.text());
        FaultSpec plain = FaultSpecs.parse("latency:delay=1s");
        assertEquals(S, plain.delayNanos());
        assertEquals(0, plain.jitterNanos(), "jitter defaults to 0");
    }

    @Test
    void bandwidthInBytesPerSecond() {
        FaultSpec bandwidth = FaultSpecs.parse("bandwidth:rate=64KiB");
        assertEquals(FaultKind.BANDWIDTH, bandwidth.kind());
        assertEquals(65536, bandwidth.rateBytesPerSecond());
        assertEquals("bandwidth:rate=64KiB", bandwidth.text());
        assertEquals(1000, FaultSpecs.parse("bandwidth:rate=1000/s").rateBytesPerSecond());
    }

    @Test
    void sliceSizeRangeAndDelay() {
        FaultSpec slice = FaultSpecs.parse("slice:size=1..16,delay=10ms");
        assertEquals(FaultKind.SLICE, slice.kind());
        assertEquals(1, slice.sliceMinBytes());
        assertEquals(16, slice.sliceMaxBytes());
        assertEquals(10 * MS, slice.delayNanos());
        assertEquals("slice:size=1..16,delay=10ms", slice.text());
        FaultSpec noDelay = FaultSpecs.parse("slice:size=7..7");
        assertEquals(0, noDelay.delayNanos(), "delay defaults to 0");
        assertEquals(7, noDelay.sliceMinBytes());
        assertEquals(65536, FaultSpecs.parse("slice:size=1..64KiB").sliceMaxBytes());
    }

    @Test
    void probabilityOnEveryKindDefaultsToOne() {
        for (String spec : List.of("reset:after=1", "close:after=1", "limit:bytes=1", "stall:after=1", "blackhole",
                "latency:delay=1ms", "bandwidth:rate=1", "slice:size=1..2")) {
            assertEquals(1.0, FaultSpecs.parse(spec).probability(), spec);
            String withP = spec + (spec.contains(":") ? "," : ":") + "probability=0.25";
            FaultSpec parsed = FaultSpecs.parse(withP);
            assertEquals(0.25, parsed.probability(), withP);
            assertTrue(parsed.text().endsWith("probability=0.25"), parsed.text());
        }
        assertEquals(0.0, FaultSpecs.parse("blackhole:probability=0").probability());
        assertEquals("blackhole", FaultSpecs.parse("blackhole:probability=1.0").text(), "1 is the default, not written");
    }

    @Test
    void textIsNormalisedAndParsesBackToTheSameSpec() {
        FaultSpec messy = FaultSpecs.parse("  LATENCY : jitter = 50ms , probability=0.50 , delay=PT0.2S ");
        assertEquals("latency:delay=200ms,jitter=50ms,probability=0.5", messy.text());
        assertEquals(messy, FaultSpecs.parse(messy.text()));
        for (String spec : List.of("reset:after=1kib", "close:after=2048", "stall:after=PT1.5S", "limit:bytes=2m",
                "bandwidth:rate=1048576", "slice:size=1k..2k,delay=1s", "blackhole:probability=.1")) {
            FaultSpec parsed = FaultSpecs.parse(spec);
            assertEquals(parsed, FaultSpecs.parse(parsed.text()), spec + " -> " + parsed.text());
        }
        assertEquals("limit:bytes=2MiB", FaultSpecs.parse("limit:bytes=2m").text(), "m means MiB for a size");
        assertEquals("stall:after=1500ms", FaultSpecs.parse("stall:after=PT1.5S").text());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "resett:after=1KiB            | unknown fault kind 'resett' (use reset, close, limit, stall, blackhole, latency, bandwidth, slice)",
        "''                           | empty fault spec (e.g. reset:after=1KiB)",
        "latency                      | latency needs delay=DURATION (e.g. delay=200ms)",
        "latency:jitter=5ms           | latency needs delay=DURATION (e.g. delay=200ms)",
        "reset                        | reset needs after=BYTES or DURATION (e.g. after=1KiB or after=2s)",
        "close:probability=0.5        | close needs after=BYTES or DURATION (e.g. after=1KiB or after=2s)",
        "limit                        | limit needs bytes=BYTES (e.g. bytes=100)",
        "stall                        | stall needs after=BYTES or DURATION (e.g. after=1KiB or after=2s)",
        "bandwidth                    | bandwidth needs rate=BYTES_PER_SECOND (e.g. rate=64KiB)",
        "slice:delay=1ms              | slice needs size=MIN..MAX (e.g. size=1..16)",
        "reset:after=1KiB,foo=1       | unknown key 'foo' for reset (use after, probability)",
        "blackhole:after=1            | unknown key 'after' for blackhole (use probability)",
        "latency:delay=1s,rate=1      | unknown key 'rate' for latency (use delay, jitter, probability)",
        "reset:after                  | reset: 'after' is not key=value",
        "reset:after=                 | reset: 'after=' is not key=value",
        "reset:after=1,,              | reset: '' is not key=value",
        "reset:after=1,after=2        | reset: after is given twice",
        "reset:after=lots             | reset: after=lots is not BYTES or DURATION (e.g. after=1KiB or after=2s)",
        "reset:after=1m               | reset: after=1m is ambiguous (write 1MiB for bytes or seconds for a time)",
        "reset:after=-1               | reset: after=-1 is not BYTES or DURATION (e.g. after=1KiB or after=2s)",
        "close:after=25h              | close: after=25h is out of range (0 to 24h)",
        "limit:bytes=99999999999999999999 | limit: bytes=99999999999999999999 is not BYTES",
        "latency:delay=soon           | latency: delay=soon is not a duration (e.g. 500ms or 2s)",
        "latency:delay=10ms,jitter=20ms | latency: jitter (20ms) must not exceed delay (10ms)",
        "bandwidth:rate=0             | bandwidth: rate must be at least 1 byte per second",
        "bandwidth:rate=fast          | bandwidth: rate=fast is not BYTES_PER_SECOND",
        "slice:size=0..16             | slice: size=0..16 must be MIN..MAX with 1 <= MIN <= MAX <= 65536",
        "slice:size=16..8             | slice: size=16..8 must be MIN..MAX with 1 <= MIN <= MAX <= 65536",
        "slice:size=1..65537          | slice: size=1..65537 must be MIN..MAX with 1 <= MIN <= MAX <= 65536",
        "slice:size=a..b              | slice: size=a..b is not MIN..MAX bytes (e.g. size=1..16)",
        "slice:size=1..16,delay=x     | slice: delay=x is not a duration (e.g. 500ms or 2s)",
        "blackhole:probability=1.5    | blackhole: probability=1.5 is not a number within 0..1",
        "blackhole:probability=-0.1   | blackhole: probability=-0.1 is not a number within 0..1",
        "blackhole:probability=NaN    | blackhole: probability=NaN is not a number within 0..1",
        "blackhole:probability=1e-1   | blackhole: probability=1e-1 is not a number within 0..1",
    })
    void eachErrorIsOneLineNamingTheProblem(String spec, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FaultSpecs.parse(spec));
        assertEquals(message, e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void edgesOfTheGrammarAreAccepted() {
        assertEquals(10 * MS, FaultSpecs.parse("latency:delay=10ms,jitter=10ms").jitterNanos(), "jitter may equal delay");
        assertEquals(24 * 3600 * S, FaultSpecs.parse("close:after=24h").afterNanos(), "the longest duration");
        assertEquals("close:after=86400s", FaultSpecs.parse("close:after=24h").text());
        assertEquals("limit:bytes=1GiB", FaultSpecs.parse("limit:bytes=1073741824").text());
        assertEquals("limit:bytes=3KiB", FaultSpecs.parse("limit:bytes=3072").text());
        assertEquals("limit:bytes=1025", FaultSpecs.parse("limit:bytes=1025").text());
        assertEquals("limit:bytes=0", FaultSpecs.parse("limit:bytes=0").text());
        assertEquals("latency:delay=PT0.0005S", FaultSpecs.parse("latency:delay=PT0.0005S").text(), "below a millisecond");
        assertEquals(500_000, FaultSpecs.parse("latency:delay=PT0.0005S").delayNanos());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "':after=1KiB'                | unknown fault kind '' (use reset, close, limit, stall, blackhole, latency, bandwidth, slice)",
        "reset:=5                     | reset: '=5' is not key=value",
        "no such:after=1              | unknown fault kind 'no such' (use reset, close, limit, stall, blackhole, latency, bandwidth, slice)",
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx | unknown fault kind 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' (use reset, close, limit, stall, blackhole, latency, bandwidth, slice)",
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxy | unknown fault kind 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' (use reset, close, limit, stall, blackhole, latency, bandwidth, slice)",
    })
    void edgesOfTheGrammarAreRefusedWithTheUsersText(String spec, String message) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, () -> FaultSpecs.parse(spec)).getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"reset:after=\u0007\u001b[31m", "resett\r"})
    void userTextInAMessageIsPrintableAndShort(String spec) {
        String message = assertThrows(IllegalArgumentException.class, () -> FaultSpecs.parse(spec)).getMessage();
        assertTrue(message.chars().noneMatch(c -> c < 0x20), message);
        String huge = "x".repeat(10_000);
        String hugeMessage = assertThrows(IllegalArgumentException.class, () -> FaultSpecs.parse(huge)).getMessage();
        assertTrue(hugeMessage.length() < 200, hugeMessage);
    }

    @Test
    void linesSkipBlanksAndCommentsAndNameTheBadLine() {
        List<FaultSpec> specs = FaultSpecs.parseLines("# a set\n\nreset:after=1KiB\r\n  latency:delay=200ms  \n# end\n");
        assertEquals(List.of("reset:after=1KiB", "latency:delay=200ms"), specs.stream().map(FaultSpec::text).toList());
        assertEquals(List.of(), FaultSpecs.parseLines("# nothing\n\n"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FaultSpecs.parseLines("reset:after=1KiB\n# fine\nlatency\n"));
        assertEquals("line 3: latency needs delay=DURATION (e.g. delay=200ms)", e.getMessage());
        String tooMany = "blackhole\n".repeat(FaultSpecs.MAX_SPECS + 1);
        assertEquals("line 65: more than 64 faults",
                assertThrows(IllegalArgumentException.class, () -> FaultSpecs.parseLines(tooMany)).getMessage());
        assertEquals(FaultSpecs.MAX_SPECS, FaultSpecs.parseLines("blackhole\n".repeat(FaultSpecs.MAX_SPECS)).size());
    }
}
