package org.nioecho.client.scenario;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code --html DIR}: a STUB until the sequence-diagram report is merged; it writes only
 * {@code index.html} with each scenario's name and verdict.
 */
final class HtmlReport {
    private HtmlReport() {
    }

    static void write(Path dir, List<ScenarioRecord> records) throws IOException {
        Files.createDirectories(dir);
        StringBuilder html = new StringBuilder("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>nioecho scenarios"
                + "</title></head><body>\n<h1>nioecho scenarios</h1>\n<ul>\n");
        for (ScenarioRecord record : records) {
            html.append("<li>").append(escape(record.verdict().scenario())).append(": ")
                    .append(record.verdict().outcome()).append(" (").append(escape(record.evidence())).append(")</li>\n");
        }
        Files.writeString(dir.resolve("index.html"), html.append("</ul>\n</body></html>\n"), StandardCharsets.UTF_8);
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
