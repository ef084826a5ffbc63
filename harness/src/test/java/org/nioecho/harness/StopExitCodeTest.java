package org.nioecho.harness;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link ServerProcess#stop} returns the process's own exit code when it ends within the grace
 * period, stop after stop. CI once saw -1 for a process that had printed its last line and
 * exited: {@code isAlive()} was asked after the process's {@code ProcessHandle} had seen the
 * exit but before the {@code Process} had recorded it. That ordering cannot be forced from a
 * test, so this one repeats the stop 300 times (about 2 s): it is red whenever {@code stop}
 * reports anything but the exit code, and it may catch the race under load.
 */
class StopExitCodeTest {
    @Test
    void stopReturnsTheExitCodeOfAProcessThatEndedOnSigterm() throws Exception {
        List<Integer> codes = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            ServerProcess process = ServerProcess.command("/bin/sh", "-c",
                            "trap 'exit 0' TERM; echo 'stub listening on 127.0.0.1:1'; while :; do read -t 1 x; done")
                    .name("stub").start();
            codes.add(process.stop(Duration.ofSeconds(10)));
        }
        assertEquals(List.of(0), codes.stream().distinct().toList(), "exit codes over 300 stops");
    }
}
