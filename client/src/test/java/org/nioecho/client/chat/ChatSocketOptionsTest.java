package org.nioecho.client.chat;

import jdk.net.ExtendedSocketOptions;
import org.junit.jupiter.api.Test;

import java.net.Socket;
import java.net.StandardSocketOptions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The socket options chat sets, read back from the kernel ({@code getsockopt} through
 * {@code getOption}): every keepalive timer given on the command line arrives, none is invented.
 */
class ChatSocketOptionsTest {
    @Test
    void keepaliveIdleIntervalAndCountReachTheKernel() throws Exception {
        ChatOptions options = new ChatOptions();
        options.keepaliveIdle = "7s";
        options.keepaliveInterval = "2s";
        options.keepaliveCount = 4;
        try (Socket socket = new Socket()) {
            int kernelIdle = socket.getOption(ExtendedSocketOptions.TCP_KEEPIDLE);
            int kernelInterval = socket.getOption(ExtendedSocketOptions.TCP_KEEPINTERVAL);
            int kernelCount = socket.getOption(ExtendedSocketOptions.TCP_KEEPCOUNT);
            assertTrue(kernelIdle != 7 && kernelInterval != 2 && kernelCount != 4,
                    "the kernel's defaults must differ from the values under test");

            ChatSession.configure(socket, options);

            assertTrue(socket.getOption(StandardSocketOptions.SO_KEEPALIVE), "SO_KEEPALIVE");
            assertEquals(7, socket.getOption(ExtendedSocketOptions.TCP_KEEPIDLE), "TCP_KEEPIDLE seconds");
            assertEquals(2, socket.getOption(ExtendedSocketOptions.TCP_KEEPINTERVAL), "TCP_KEEPINTVL seconds");
            assertEquals(4, socket.getOption(ExtendedSocketOptions.TCP_KEEPCOUNT), "TCP_KEEPCNT");
            assertTrue(socket.getTcpNoDelay(), "TCP_NODELAY");
        }
    }

    @Test
    void withoutKeepaliveOptionsTheSocketHasNoKeepalive() throws Exception {
        try (Socket socket = new Socket()) {
            ChatSession.configure(socket, new ChatOptions());
            assertFalse(socket.getOption(StandardSocketOptions.SO_KEEPALIVE), "SO_KEEPALIVE");
        }
    }

    @Test
    void keepaliveAloneKeepsTheKernelsTimers() throws Exception {
        ChatOptions options = new ChatOptions();
        options.keepalive = true;
        try (Socket socket = new Socket(); Socket reference = new Socket()) {
            ChatSession.configure(socket, options);
            assertTrue(socket.getOption(StandardSocketOptions.SO_KEEPALIVE), "SO_KEEPALIVE");
            assertEquals(reference.getOption(ExtendedSocketOptions.TCP_KEEPIDLE), socket.getOption(ExtendedSocketOptions.TCP_KEEPIDLE));
            assertEquals(reference.getOption(ExtendedSocketOptions.TCP_KEEPINTERVAL),
                    socket.getOption(ExtendedSocketOptions.TCP_KEEPINTERVAL));
            assertEquals(reference.getOption(ExtendedSocketOptions.TCP_KEEPCOUNT), socket.getOption(ExtendedSocketOptions.TCP_KEEPCOUNT));
        }
    }
}
