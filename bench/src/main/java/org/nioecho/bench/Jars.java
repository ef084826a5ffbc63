package org.nioecho.bench;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;

/** Finds the jars the comparison runs: an explicit path, a system property, the running jar, or a search upwards. */
final class Jars {
    private Jars() {
    }

    /**
     * {@code explicit} if given; else the system property; else the jar {@code runningFrom} was
     * loaded from (if a class is given and it came from a jar); else {@code relative} under the
     * working directory or a parent of it; else {@code relative} itself (which will not exist).
     */
    static Path locate(Path explicit, String property, String relative, Class<?> runningFrom) {
        if (explicit != null) {
            return explicit;
        }
        String value = System.getProperty(property);
        if (value != null && !value.isBlank()) {
            return Path.of(value);
        }
        if (runningFrom != null) {
            Path jar = codeSource(runningFrom);
            if (jar != null) {
                return jar;
            }
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(relative);
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        return Path.of(relative);
    }

    private static Path codeSource(Class<?> type) {
        CodeSource source = type.getProtectionDomain().getCodeSource();
        if (source == null || source.getLocation() == null) {
            return null;
        }
        try {
            Path path = Path.of(source.getLocation().toURI());
            return Files.isRegularFile(path) && path.toString().endsWith(".jar") ? path : null;
        } catch (URISyntaxException | IllegalArgumentException e) {
            return null;
        }
    }
}
