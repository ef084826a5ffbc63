package org.nioecho.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The machine and JDK a comparison ran on, for the report: CPU model and cores, memory,
 * kernel, JVM, and the load average (how busy the machine was with other work).
 */
record MachineInfo(Instant startedAt, String cpuModel, int cores, long memoryBytes, String kernel, String jdk,
                   String loadAverageAtStart) {

    /** Reads it from {@code /proc} and the running JVM (whose {@code java} runs every server). */
    static MachineInfo current() {
        return new MachineInfo(Instant.now(), readCpuModel(), Runtime.getRuntime().availableProcessors(), readMemoryBytes(),
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"),
                System.getProperty("java.vm.name") + " " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")",
                readLoadAverage());
    }

    static String readLoadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    private static String readCpuModel() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/cpuinfo"));
            for (String line : lines) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim().replaceAll("\\s+", " ");
                }
            }
            return "unknown CPU";
        } catch (IOException e) {
            return "unknown CPU (" + e.getMessage() + ")";
        }
    }

    private static long readMemoryBytes() {
        try {
            return ProcessTree.statusKiB(Files.readString(Path.of("/proc/meminfo")), "MemTotal:") * 1024;
        } catch (IOException e) {
            return 0;
        }
    }

    /** {@code 2026-11-26 06:50 UTC}. */
    String date() {
        return DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC).format(startedAt);
    }

    /** {@code 20261126T065012Z}, for file names. */
    String stamp() {
        return DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC).format(startedAt);
    }

    /** One line for the report. */
    String describe() {
        return cpuModel + ", " + cores + " cores, " + String.format(java.util.Locale.ROOT, "%.1f GiB", memoryBytes / (double) (1L << 30))
                + ", " + kernel + "; JDK: " + jdk;
    }

    Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("date", startedAt.toString());
        json.put("cpu", cpuModel);
        json.put("cores", cores);
        json.put("memoryBytes", memoryBytes);
        json.put("kernel", kernel);
        json.put("jdk", jdk);
        json.put("loadAverageAtStart", loadAverageAtStart);
        return json;
    }
}
