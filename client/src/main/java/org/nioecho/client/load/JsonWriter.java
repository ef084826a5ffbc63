package org.nioecho.client.load;

import java.util.Locale;

/**
 * A tiny JSON writer for flat reports: objects, strings and numbers, keys in the order written.
 *
 * <pre>{@code
 * String json = new JsonWriter().beginObject().field("mode", "pingpong").field("messages", 42).endObject().toString();
 * }</pre>
 */
public final class JsonWriter {
    private final StringBuilder text = new StringBuilder();
    private boolean needComma;

    /** Starts an object, as a value or the top level. */
    public JsonWriter beginObject() {
        text.append('{');
        needComma = false;
        return this;
    }

    /** Starts an object as the value of {@code name}. */
    public JsonWriter beginObject(String name) {
        key(name);
        return beginObject();
    }

    public JsonWriter endObject() {
        text.append('}');
        needComma = true;
        return this;
    }

    public JsonWriter field(String name, String value) {
        key(name);
        string(value);
        needComma = true;
        return this;
    }

    public JsonWriter field(String name, long value) {
        key(name);
        text.append(value);
        needComma = true;
        return this;
    }

    /** A number; NaN and infinities, which JSON lacks, are written as null. */
    public JsonWriter field(String name, double value) {
        key(name);
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            text.append("null");
        } else if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            text.append((long) value);
        } else {
            text.append(String.format(Locale.ROOT, "%.3f", value));
        }
        needComma = true;
        return this;
    }

    private void key(String name) {
        if (needComma) {
            text.append(',');
        }
        string(name);
        text.append(':');
    }

    private void string(String value) {
        text.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> text.append("\\\"");
                case '\\' -> text.append("\\\\");
                case '\n' -> text.append("\\n");
                case '\r' -> text.append("\\r");
                case '\t' -> text.append("\\t");
                default -> {
                    if (c < 0x20) {
                        text.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        text.append(c);
                    }
                }
            }
        }
        text.append('"');
    }

    @Override
    public String toString() {
        return text.toString();
    }
}
