package org.nioecho.server;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Puts the server's root log level back after each test: the command's {@code config()} sets it
 * from {@code --log-level}, and it is JVM-wide. Use with {@code @ExtendWith(KeepsRootLogLevel.class)}.
 */
final class KeepsRootLogLevel implements BeforeEachCallback, AfterEachCallback {
    private static final Logger ROOT = Logger.getLogger(Logging.ROOT); // held: JUL keeps loggers weakly
    private Level saved;

    @Override
    public void beforeEach(ExtensionContext context) {
        saved = ROOT.getLevel();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        ROOT.setLevel(saved);
    }
}
