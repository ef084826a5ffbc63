package org.nioecho.client;

/** The client's exit codes, one per way a run can end; listed in {@code --help}. */
public final class ExitCodes {
    /** Everything sent was echoed back (chat), or verified without errors (load). */
    public static final int OK = 0;
    /** An unexpected failure; a stack trace was printed. */
    public static final int FAILURE = 1;
    /** Bad usage: an invalid option or value. */
    public static final int USAGE = 2;
    /** Connection refused (ECONNREFUSED): nothing listens there. */
    public static final int REFUSED = 3;
    /** The server closed the connection (EOF) while echoes were owed or while idle. */
    public static final int PREMATURE_EOF = 4;
    /** Connection reset by the server (ECONNRESET). */
    public static final int RESET = 5;
    /** Broken pipe (EPIPE): a write after the connection was reset. */
    public static final int BROKEN_PIPE = 6;
    /** Timed out (ETIMEDOUT, or no echo within --timeout, or no connection within --connect-timeout). */
    public static final int TIMED_OUT = 7;
    /** Host or network unreachable (EHOSTUNREACH, ENETUNREACH). */
    public static final int UNREACHABLE = 8;
    /** load: echoed bytes did not match (corrupt, missing or extra bytes). */
    public static final int LOAD_DATA_MISMATCH = 10;
    /** load: all echoes verified, but some connections failed (see the errors by cause). */
    public static final int LOAD_ERRORS = 11;
    /** load: the generator could not keep the requested rate (messages unsent, or sent too late). */
    public static final int LOAD_RATE_NOT_KEPT = 12;
    /** load --udp: more datagrams lost than --max-loss allows (every one that came back verified). */
    public static final int LOAD_UDP_LOSS = 13;

    /** TLS: the handshake failed (refused by the server, ended by it, or no TLS there). */
    public static final int TLS_HANDSHAKE = 20;
    /** TLS: the server's certificate is not trusted (not in the JDK's trust store, nor the --ca file). */
    public static final int TLS_UNTRUSTED = 21;
    /** TLS: the server's certificate does not name the host connected to. */
    public static final int TLS_HOSTNAME = 22;
    /** TLS: the server closed TCP without close_notify (truncation). */
    public static final int TLS_TRUNCATED = 23;

    private ExitCodes() {
    }

    /** The exit code for a connection that failed with {@code cause}. */
    public static int of(ErrorCause cause) {
        return switch (cause) {
            case REFUSED -> REFUSED;
            case RESET -> RESET;
            case BROKEN_PIPE -> BROKEN_PIPE;
            case EOF -> PREMATURE_EOF;
            case TIMED_OUT -> TIMED_OUT;
            case UNREACHABLE -> UNREACHABLE;
            case TLS_HANDSHAKE -> TLS_HANDSHAKE;
            case TLS_UNTRUSTED -> TLS_UNTRUSTED;
            case TLS_HOSTNAME -> TLS_HOSTNAME;
            case TLS_TRUNCATED -> TLS_TRUNCATED;
            case OTHER -> FAILURE;
        };
    }
}
