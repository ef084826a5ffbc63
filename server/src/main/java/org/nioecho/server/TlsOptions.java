package org.nioecho.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The command line's TLS options turned into a {@link TlsConfig}: which certificate source,
 * where the key store's password comes from (a file or an environment variable, never the
 * command line). Options that do not fit together throw {@link UsageException} (a usage
 * error); files that are missing, unreadable or do not match throw
 * {@link IllegalArgumentException} with one line naming the file.
 */
final class TlsOptions {
    /** The least high-water mark with TLS: an output buffer must hold a whole record (about 16.3 KiB). */
    static final int MIN_HIGH_WATER_BYTES = 32 * 1024;

    /** Options that do not fit together. */
    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }

    private TlsOptions() {
    }

    /** The TLS configuration the options ask for, or null if {@code tls} is off (and no TLS option is given). */
    static TlsConfig load(boolean tls, Path cert, Path key, Path keystore, Path passwordFile, String passwordEnv,
            Duration handshakeTimeout) {
        boolean anyTlsOption = cert != null || key != null || keystore != null || passwordFile != null || passwordEnv != null;
        if (!tls) {
            if (anyTlsOption) {
                throw new UsageException("--tls-cert, --tls-key and --tls-keystore* need --tls or --tls-listen");
            }
            return null;
        }
        if ((cert == null) != (key == null)) {
            throw new UsageException("--tls-cert and --tls-key go together");
        }
        if (keystore != null && cert != null) {
            throw new UsageException("--tls-keystore or --tls-cert/--tls-key, not both");
        }
        if (keystore == null && (passwordFile != null || passwordEnv != null)) {
            throw new UsageException("--tls-keystore-password-file/-env need --tls-keystore");
        }
        if (passwordFile != null && passwordEnv != null) {
            throw new UsageException("--tls-keystore-password-file or --tls-keystore-password-env, not both");
        }
        if (cert != null) {
            return TlsConfig.of(TlsCredentials.fromPem(cert, key), false, handshakeTimeout);
        }
        if (keystore != null) {
            char[] password = password(passwordFile, passwordEnv);
            return TlsConfig.of(TlsCredentials.fromKeyStore(keystore, password), false, handshakeTimeout);
        }
        return TlsConfig.of(TlsCredentials.ephemeral(), true, handshakeTimeout);
    }

    private static char[] password(Path file, String env) {
        if (file != null) {
            List<String> lines;
            try {
                lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            } catch (java.nio.file.NoSuchFileException e) {
                throw new IllegalArgumentException(file + ": no such password file");
            } catch (IOException e) {
                throw new IllegalArgumentException(file + ": cannot read the password file (" + e.getMessage() + ")");
            }
            return lines.isEmpty() ? new char[0] : lines.get(0).toCharArray();
        }
        if (env != null) {
            String value = System.getenv(env);
            if (value == null) {
                throw new IllegalArgumentException("environment variable " + env + " (--tls-keystore-password-env) is not set");
            }
            return value.toCharArray();
        }
        return new char[0]; // a key store without a password
    }
}
