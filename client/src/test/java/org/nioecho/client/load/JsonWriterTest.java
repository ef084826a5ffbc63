package org.nioecho.client.load;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class JsonWriterTest {
    @Test
    void writesNestedObjectsInOrderWithEscapesAndNumbers() {
        String json = new JsonWriter().beginObject()
                .field("mode", "ping\"pong\\\n")
                .field("messages", 42)
                .field("rate", 1234.5678)
                .field("whole", 3.0)
                .beginObject("latencyMicros").field("p50", 0.25).field("max", 7).endObject()
                .field("nan", Double.NaN)
                .field("control", "\u0001")
                .endObject().toString();
        assertEquals("{\"mode\":\"ping\\\"pong\\\\\\n\",\"messages\":42,\"rate\":1234.568,\"whole\":3,"
                + "\"latencyMicros\":{\"p50\":0.250,\"max\":7},\"nan\":null,\"control\":\"\\u0001\"}", json);
    }
}
