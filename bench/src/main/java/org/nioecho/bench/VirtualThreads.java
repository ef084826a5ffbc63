package org.nioecho.bench;

import java.lang.reflect.InvocationTargetException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Virtual threads, reached by reflection so that the module still compiles for Java 17:
 * available on JDK 21 and later only.
 *
 * <pre>{@code
 * if (VirtualThreads.available()) {
 *     ExecutorService perTask = VirtualThreads.newThreadPerTaskExecutor();
 * }
 * }</pre>
 */
public final class VirtualThreads {
    /** The first JDK with final (non-preview) virtual threads. */
    public static final int MINIMUM_FEATURE_VERSION = 21;

    private VirtualThreads() {
    }

    /** Whether this JVM has virtual threads. */
    public static boolean available() {
        return Runtime.version().feature() >= MINIMUM_FEATURE_VERSION;
    }

    /** Why they cannot be used here, for a one-line note. */
    public static String unavailableReason() {
        return "virtual threads need JDK " + MINIMUM_FEATURE_VERSION + " or later; this is JDK " + Runtime.version().feature();
    }

    /** {@code Executors.newVirtualThreadPerTaskExecutor()}: one new virtual thread per task. */
    public static ExecutorService newThreadPerTaskExecutor() {
        if (!available()) {
            throw new UnsupportedOperationException(unavailableReason());
        }
        try {
            return (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
        } catch (NoSuchMethodException | IllegalAccessException e) {
            throw new IllegalStateException("JDK " + Runtime.version() + " lacks newVirtualThreadPerTaskExecutor", e);
        } catch (InvocationTargetException e) {
            throw new IllegalStateException("newVirtualThreadPerTaskExecutor failed", e.getCause());
        }
    }
}
