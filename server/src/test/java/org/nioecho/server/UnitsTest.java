package org.nioecho.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The edges of size and duration parsing: suffixes, case, spaces, the largest values and one past them. */
class UnitsTest {
    @Test
    void everySizeSuffixIsAPowerOf1024() {
        assertEquals(7, Units.parseBytes("7b"));
        assertEquals(7L << 10, Units.parseBytes("7kb"));
        assertEquals(7L << 20, Units.parseBytes("7m"));
        assertEquals(7L << 20, Units.parseBytes("7MB"));
        assertEquals(7L << 30, Units.parseBytes("7GiB"));
        assertEquals(7L << 30, Units.parseBytes("7gb"));
        assertEquals(1L << 40, Units.parseBytes("1TiB"), "the unit the largest output budget is given in");
        assertEquals(3L << 40, Units.parseBytes("3t"));
        assertEquals(0, Units.parseBytes("0"));
        assertEquals(1024, Units.parseBytes("  1 KiB  "));
    }

    @Test
    void theLargestSizesParseAndOnePastThemIsTooLarge() {
        assertEquals(Long.MAX_VALUE, Units.parseBytes("9223372036854775807"));
        assertTooLarge(() -> Units.parseBytes("9223372036854775808"));
        assertEquals((Long.MAX_VALUE >> 10) << 10, Units.parseBytes((Long.MAX_VALUE >> 10) + "k"));
        assertTooLarge(() -> Units.parseBytes(((Long.MAX_VALUE >> 10) + 1) + "k"));
        assertEquals((Long.MAX_VALUE >> 30) << 30, Units.parseBytes((Long.MAX_VALUE >> 30) + "g"));
        assertTooLarge(() -> Units.parseBytes(((Long.MAX_VALUE >> 30) + 1) + "g"));
        assertEquals(Integer.MAX_VALUE, Units.parseIntBytes("2147483647"));
        assertTooLarge(() -> Units.parseIntBytes("2147483648"));
        assertTooLarge(() -> Units.parseIntBytes("2GiB"));
        assertEquals(1 << 30, Units.parseIntBytes("1GiB"));
    }

    @Test
    void badSizesNameThemselvesAndAnExample() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Units.parseBytes("-1"));
        assertEquals("'-1' is not a size (try 65536, 64KiB or 1MiB)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Units.parseBytes("1p"));
        assertThrows(IllegalArgumentException.class, () -> Units.parseBytes("k"));
        assertThrows(IllegalArgumentException.class, () -> Units.parseBytes("1.5k"));
    }

    @Test
    void everyDurationUnitAndTheIsoForm() {
        assertEquals(Duration.ZERO, Units.parseDuration("0"));
        assertEquals(Duration.ofHours(3), Units.parseDuration("3h"));
        assertEquals(Duration.ofMinutes(3), Units.parseDuration(" 3 M "));
        assertEquals(Duration.ofMillis(3), Units.parseDuration("3MS"));
        assertEquals(Duration.ofSeconds(3), Units.parseDuration("3 s"));
        assertEquals(Duration.ofMillis(1500), Units.parseDuration("pt1.5s"));
        assertEquals(Duration.ofMinutes(2), Units.parseDuration(" PT2M "));
    }

    @Test
    void badOrTooLongDurationsAreOneClearMessage() {
        assertEquals("'PT' is not a duration", message(() -> Units.parseDuration("PT")));
        assertEquals("'pt5x' is not a duration", message(() -> Units.parseDuration("pt5x")));
        assertEquals("'5d' is not a duration (try 500ms, 30s or 2m)", message(() -> Units.parseDuration("5d")));
        assertEquals("'-5s' is not a duration (try 500ms, 30s or 2m)", message(() -> Units.parseDuration("-5s")));
        assertEquals("'99999999999999999999' is too long", message(() -> Units.parseDuration("99999999999999999999")));
        assertEquals("'9223372036854775807h' is too long", message(() -> Units.parseDuration("9223372036854775807h")));
        assertEquals("'9223372036854775807m' is too long", message(() -> Units.parseDuration("9223372036854775807m")));
        assertEquals(Duration.ofMillis(Long.MAX_VALUE), Units.parseDuration("9223372036854775807ms"));
    }

    @Test
    void formatsWholeSecondsInSecondsAndTheRestInMilliseconds() {
        assertEquals("0 s", Units.format(Duration.ZERO));
        assertEquals("30 s", Units.format(Duration.ofSeconds(30)));
        assertEquals("1500 ms", Units.format(Duration.ofMillis(1500)));
        assertEquals("1 ms", Units.format(Duration.ofMillis(1)));
        assertEquals("120 s", Units.format(Duration.ofMinutes(2)));
    }

    private static void assertTooLarge(org.junit.jupiter.api.function.Executable parse) {
        String message = assertThrows(IllegalArgumentException.class, parse).getMessage();
        assertTrue(message.contains("is too large"), message);
    }

    private static String message(org.junit.jupiter.api.function.Executable parse) {
        return assertThrows(IllegalArgumentException.class, parse).getMessage();
    }
}
