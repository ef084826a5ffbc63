package org.nioecho.server;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * The faults new connections draw from. Any thread may {@link #replace} the specs (the admin
 * endpoint does); the reactor {@link #draw}s for each accepted connection, so a change applies
 * to new connections only. Draws use one seeded generator on the accepting reactor's thread
 * (with {@code --reactors N} too), so {@code --fault-seed} makes them reproducible.
 */
public final class FaultPlan {
    private volatile List<FaultSpec> specs;
    private final SplittableRandom random; // reactor thread only

    public FaultPlan(List<FaultSpec> specs, long seed) {
        this.specs = List.copyOf(specs);
        this.random = new SplittableRandom(seed);
    }

    /** The specs in force. */
    public List<FaultSpec> specs() {
        return specs;
    }

    /** Replaces the specs; new connections draw from these. */
    public void replace(List<FaultSpec> newSpecs) {
        specs = List.copyOf(Objects.requireNonNull(newSpecs, "newSpecs"));
    }

    /** Whether any spec is set (false: the echo path takes no fault branch at all). */
    public boolean isEmpty() {
        return specs.isEmpty();
    }

    /** The faults one new connection gets: each spec applies with its probability. Accepting reactor's thread only. */
    List<FaultSpec> draw() {
        List<FaultSpec> current = specs;
        if (current.isEmpty()) {
            return List.of();
        }
        List<FaultSpec> drawn = new ArrayList<>(current.size());
        for (FaultSpec spec : current) {
            if (spec.probability() >= 1 || random.nextDouble() < spec.probability()) {
                drawn.add(spec);
            }
        }
        return drawn;
    }
}
