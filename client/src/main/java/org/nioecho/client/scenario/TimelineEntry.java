package org.nioecho.client.scenario;

import java.util.Objects;

/**
 * One timed line of a scenario's timeline, as data: who acted ({@code client}, {@code server},
 * {@code kernel}, {@code signal}, {@code netns}, ...), what they did, and what came of it.
 *
 * @param monoNanos when, on the {@link System#nanoTime()} clock (the clock of kernel events)
 * @param actor     who acted
 * @param action    the call or the remark, e.g. {@code write 6 bytes}
 * @param result    what the call returned or threw, e.g. {@code ok} or {@code EOF (-1)}; null for a remark
 */
public record TimelineEntry(long monoNanos, String actor, String action, String result) {
    public TimelineEntry {
        Objects.requireNonNull(actor, "actor");
        Objects.requireNonNull(action, "action");
    }
}
