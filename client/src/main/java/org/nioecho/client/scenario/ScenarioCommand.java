package org.nioecho.client.scenario;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** {@code echo-client scenario <name>|all}: every case of the notes, reproduced live (being built). */
@Command(name = "scenario", mixinStandardHelpOptions = true,
        description = "Reproduce a case of the notes live and check it (not built yet).")
public final class ScenarioCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("echo-client scenario: not built yet");
        return 1;
    }
}
