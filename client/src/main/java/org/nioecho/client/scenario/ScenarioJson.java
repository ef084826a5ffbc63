package org.nioecho.client.scenario;

import org.nioecho.kernel.Errnos;
import org.nioecho.kernel.KernelEvent;
import org.nioecho.kernel.TraceLines;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * {@code --json FILE}: every run as data, {@code {"scenarios":[{name, verdict, observed,
 * evidence, overruns, transitions:[{ms,end,local,remote,from,to}], resets:[{ms,sentBy,reason,state}],
 * resetsReceived:[{ms,end}], errors:[{ms,end,errno,error}], retransmissions:[{ms,end,state}]}]}}.
 * Times are milliseconds since the run began; self-transitions are left out. Kernel lists
 * are empty when the run's evidence was polling.
 */
final class ScenarioJson {
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
        StringBuilder json = new StringBuilder(4096).append("{\"scenarios\":[");
        for (int i = 0; i < records.size(); i++) {
            json.append(i == 0 ? "\n  " : ",\n  ");
            scenario(json, records.get(i));
        }
        return json.append("\n]}\n").toString();
    }

    private static void scenario(StringBuilder json, ScenarioRecord record) {
        json.append('{');
        field(json, "name", record.verdict().scenario()).append(',');
        field(json, "verdict", record.verdict().outcome().name()).append(',');
        field(json, "notesSay", record.verdict().notesSay()).append(',');
        field(json, "observed", record.verdict().observed()).append(',');
        field(json, "evidence", record.evidence()).append(',');
        json.append("\"overruns\":").append(record.overruns());
        list(json, record, "transitions", KernelEvent.Kind.STATE);
        list(json, record, "resets", KernelEvent.Kind.RESET_SENT);
        list(json, record, "resetsReceived", KernelEvent.Kind.RESET_RECEIVED);
        list(json, record, "errors", KernelEvent.Kind.ERROR);
        list(json, record, "retransmissions", KernelEvent.Kind.RETRANSMIT);
        json.append('}');
    }

    private static void list(StringBuilder json, ScenarioRecord record, String name, KernelEvent.Kind kind) {
        json.append(",\n   \"").append(name).append("\":[");
        boolean first = true;
        for (KernelEvent event : record.events()) {
            if (event.kind() != kind || (kind == KernelEvent.Kind.STATE && event.from() == event.to())) {
                continue;
            }
            json.append(first ? "" : ",");
            first = false;
            event(json, record, event);
        }
        json.append(']');
    }

    private static void event(StringBuilder json, ScenarioRecord record, KernelEvent event) {
        json.append("{\"ms\":").append(String.format(Locale.ROOT, "%.3f", record.ms(event.monoNanos()))).append(',');
        field(json, event.kind() == KernelEvent.Kind.RESET_SENT ? "sentBy" : "end", record.end(event)).append(',');
        field(json, "local", TraceLines.format(event.local())).append(',');
        field(json, "remote", TraceLines.format(event.remote()));
        switch (event.kind()) {
            case STATE -> {
                json.append(',');
                field(json, "from", String.valueOf(event.from())).append(',');
                field(json, "to", String.valueOf(event.to()));
            }
            case RESET_SENT -> {
                json.append(',');
                field(json, "reason", String.valueOf(event.reason())).append(',');
                field(json, "state", String.valueOf(event.from()));
            }
            case ERROR -> {
                json.append(",\"errno\":").append(event.errno()).append(',');
                field(json, "error", Errnos.name(event.errno()));
            }
            case RETRANSMIT -> {
                json.append(',');
                field(json, "state", String.valueOf(event.from()));
            }
            case RESET_RECEIVED -> {
                // the end says which socket received it
            }
        }
        json.append('}');
    }

    private static StringBuilder field(StringBuilder json, String name, String value) {
        json.append('"').append(name).append("\":");
        return string(json, value);
    }

    /** A JSON string: quotes, backslashes and control characters escaped. */
    static StringBuilder string(StringBuilder json, String value) {
        json.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                case '\n' -> json.append("\\n");
                case '\r' -> json.append("\\r");
                case '\t' -> json.append("\\t");
                default -> {
                    if (c < 0x20) {
                        json.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        json.append(c);
                    }
                }
            }
        }
        return json.append('"');
    }
}
