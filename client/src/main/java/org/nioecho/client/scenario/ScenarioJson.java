package org.nioecho.client.scenario;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.nioecho.client.trace.EventFormat;
import org.nioecho.kernel.KernelEvent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code --json FILE}: every run as data, {@code {"scenarios":[{name, verdict, observed,
 * evidence, overruns, transitions:[{ms,end,local,remote,from,to}], resets:[{ms,sentBy,reason,state}],
 * resetsReceived:[{ms,end}], errors:[{ms,end,errno,error}], retransmissions:[{ms,end,state}]}]}}.
 * Times are milliseconds since the run began; self-transitions are left out. Kernel lists
 * are empty when the run's evidence was polling.
 */
final class ScenarioJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ScenarioJson() {
    }

    static void write(Path file, List<ScenarioRecord> records) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(file, json(records), StandardCharsets.UTF_8);
    }

    static String json(List<ScenarioRecord> records) {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode scenarios = root.putArray("scenarios");
        for (ScenarioRecord record : records) {
            ObjectNode scenario = scenarios.addObject();
            scenario.put("name", record.verdict().scenario());
            scenario.put("verdict", record.verdict().outcome().name());
            scenario.put("notesSay", record.verdict().notesSay());
            scenario.put("observed", record.verdict().observed());
            scenario.put("evidence", record.evidence());
            scenario.put("overruns", record.overruns());
            list(scenario.putArray("transitions"), record, KernelEvent.Kind.STATE);
            list(scenario.putArray("resets"), record, KernelEvent.Kind.RESET_SENT);
            list(scenario.putArray("resetsReceived"), record, KernelEvent.Kind.RESET_RECEIVED);
            list(scenario.putArray("errors"), record, KernelEvent.Kind.ERROR);
            list(scenario.putArray("retransmissions"), record, KernelEvent.Kind.RETRANSMIT);
        }
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + System.lineSeparator();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of plain values did not serialise", e);
        }
    }

    private static void list(ArrayNode list, ScenarioRecord record, KernelEvent.Kind kind) {
        for (KernelEvent event : record.events()) {
            if (event.kind() == kind && !(kind == KernelEvent.Kind.STATE && event.from() == event.to())) {
                EventFormat.fields(list.addObject(), event, record.ms(event.monoNanos()), record.end(event));
            }
        }
    }
}
