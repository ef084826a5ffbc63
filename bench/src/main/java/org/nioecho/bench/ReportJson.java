package org.nioecho.bench;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.PrettyPrinter;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;

/**
 * Jackson set up for the comparison's JSON report: two-space indent, {@code "key": value},
 * one array element per line; doubles to six significant digits (whole ones as integers),
 * NaN and infinities, which JSON lacks, as null.
 *
 * <pre>{@code
 * String text = ReportJson.write(Map.of("ratePerSecond", 120_000.0));
 * }</pre>
 */
final class ReportJson {
    private static final ObjectWriter WRITER = JsonMapper.builder()
            .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
            .addModule(new SimpleModule().addSerializer(Double.class, new SixDigits()))
            .build()
            .writer(layout());

    private ReportJson() {
    }

    /** {@code value} (maps, lists, numbers, strings, booleans, null) as indented JSON, ending in a newline. */
    static String write(Object value) {
        try {
            return WRITER.writeValueAsString(value) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the report as JSON", e);
        }
    }

    private static PrettyPrinter layout() {
        DefaultIndenter twoSpaces = new DefaultIndenter("  ", "\n");
        return new DefaultPrettyPrinter(Separators.createDefaultInstance()
                .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                .withObjectEmptySeparator("")
                .withArrayEmptySeparator(""))
                .withObjectIndenter(twoSpaces)
                .withArrayIndenter(twoSpaces);
    }

    /** A measured double as the report writes it. */
    private static final class SixDigits extends JsonSerializer<Double> {
        @Override
        public void serialize(Double value, JsonGenerator out, SerializerProvider provider) throws IOException {
            double d = value;
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                out.writeNull();
            } else if (d == Math.rint(d) && Math.abs(d) < 1e15) {
                out.writeNumber((long) d);
            } else {
                out.writeNumber(BigDecimal.valueOf(d).round(new MathContext(6)).stripTrailingZeros());
            }
        }
    }
}
