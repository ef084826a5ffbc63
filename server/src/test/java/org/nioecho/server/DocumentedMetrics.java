package org.nioecho.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Prometheus series the README documents: the rows of its "Metrics" table
 * ({@code `echo.server.bytes.received` / `.sent` | counter | ...}), expanded with the tag
 * values each row names, or, for {@code closed{cause}}, the causes of the "How failures map"
 * table. Dots become underscores, counters get {@code _total}, as the README says.
 */
public final class DocumentedMetrics {
    private static final Pattern CODE = Pattern.compile("`([^`]+)`");

    private DocumentedMetrics() {
    }

    /**
     * The documentation the series come from, as one list of lines: README.md (its "How
     * failures map" table names the causes) and docs/metrics.md (its "Metrics" table), found
     * from the working directory (the module's or the repository's).
     */
    public static List<String> readme() throws IOException {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path readme = dir.resolve("README.md");
            if (Files.exists(readme) && Files.exists(dir.resolve("server").resolve("pom.xml"))) {
                List<String> lines = new ArrayList<>(Files.readAllLines(readme));
                lines.addAll(Files.readAllLines(dir.resolve("docs").resolve("metrics.md")));
                return lines;
            }
        }
        throw new IOException("no README.md above " + Path.of("").toAbsolutePath());
    }

    /** Series (name with tags, as scraped) to Prometheus type ({@code counter} or {@code gauge}). */
    public static Map<String, String> fromReadme(List<String> readme) {
        List<String> causes = new ArrayList<>();
        for (String[] row : table(readme, "## How failures map")) {
            String cause = row[row.length - 1];
            Matcher code = CODE.matcher(cause);
            if (!cause.startsWith("accept error") && code.find()) {
                if (!causes.contains(code.group(1))) {
                    causes.add(code.group(1));
                }
            }
        }
        Map<String, String> series = new TreeMap<>();
        for (String[] row : table(readme, "# Metrics")) {
            String type = row[1];
            List<String> values = codes(row[2]);
            String previous = null;
            for (String meter : codes(row[0])) {
                if (meter.startsWith(".")) { // `echo.server.bytes.received` / `.sent`
                    meter = previous.substring(0, previous.lastIndexOf('.')) + meter;
                }
                previous = meter;
                String name = meter.replaceAll("\\{.*", "").replace('.', '_') + (type.equals("counter") ? "_total" : "");
                if (!meter.contains("{")) {
                    series.put(name, type);
                    continue;
                }
                String tag = meter.substring(meter.indexOf('{') + 1, meter.indexOf('}'));
                List<String> tagValues = values.isEmpty() && tag.equals("cause") ? causes : values;
                if (tagValues.isEmpty()) {
                    throw new IllegalStateException("README names no values for tag " + tag + " of " + meter);
                }
                for (String value : tagValues) {
                    series.put(name + "{" + tag.replace('.', '_') + "=\"" + value + "\"}", type);
                }
            }
        }
        if (series.isEmpty()) {
            throw new IllegalStateException("no metrics table in the README");
        }
        return series;
    }

    /** The data rows (cells trimmed) of the first table after {@code heading}. */
    private static List<String[]> table(List<String> readme, String heading) {
        List<String[]> rows = new ArrayList<>();
        int at = readme.indexOf(heading);
        if (at < 0) {
            throw new IllegalStateException("no section '" + heading + "' in the README");
        }
        boolean inTable = false;
        for (int i = at + 1; i < readme.size() && !readme.get(i).startsWith("## "); i++) {
            String line = readme.get(i).trim();
            if (!line.startsWith("|")) {
                if (inTable) {
                    break;
                }
                continue;
            }
            String[] cells = line.substring(1, line.length() - 1).split("\\|", -1);
            for (int c = 0; c < cells.length; c++) {
                cells[c] = cells[c].trim();
            }
            if (inTable && !cells[0].startsWith("---")) {
                rows.add(cells);
            }
            inTable = true; // the first row is the header
        }
        return rows;
    }

    private static List<String> codes(String cell) {
        List<String> codes = new ArrayList<>();
        Matcher code = CODE.matcher(cell);
        while (code.find()) {
            codes.add(code.group(1));
        }
        return codes;
    }
}
