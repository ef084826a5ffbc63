package org.nioecho.bench;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonTest {
    @Test
    void readsNestedObjectsArraysAndLiterals() {
        Map<String, Object> json = Json.object(Json.parse(
                " {\"a\": 1.5e3, \"b\": [true, false, null, -2], \"c\": {\"d\": \"x\\\"y\\n\\u0041\"}, \"e\": []} "));
        assertEquals(1500.0, Json.number(json, "a"));
        assertEquals(List.of(true, false, -2.0), ((List<?>) json.get("b")).stream().filter(v -> v != null).toList());
        assertNull(((List<?>) json.get("b")).get(2));
        assertEquals("x\"y\nA", Json.object(json, "c").get("d"));
        assertEquals(List.of(), json.get("e"));
    }

    @Test
    void saysWhereInputIsBad() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parse("{\"a\": }"));
        assertTrue(e.getMessage().contains("offset 6"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Json.parse("{\"a\": 1} x"));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("\"open"));
        assertThrows(IllegalArgumentException.class, () -> Json.number(Json.object(Json.parse("{\"a\":\"1\"}")), "a"));
    }

    @Test
    void writesWhatItReads() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("name", "tab\there \"quoted\"");
        value.put("count", 3);
        value.put("ratio", 0.8125);
        value.put("tiny", 1.25e-6);
        value.put("nan", Double.NaN);
        value.put("list", List.of(1, "two", false));
        value.put("empty", Map.of());
        Map<String, Object> back = Json.object(Json.parse(Json.write(value)));
        assertEquals("tab\there \"quoted\"", back.get("name"));
        assertEquals(3.0, back.get("count"));
        assertEquals(0.8125, back.get("ratio"));
        assertEquals(1.25e-6, (Double) back.get("tiny"), 1e-12);
        assertNull(back.get("nan"));
        assertEquals(List.of(1.0, "two", false), back.get("list"));
        assertEquals(Map.of(), back.get("empty"));
    }
}
