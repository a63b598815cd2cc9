package io.mqttcluster.broker.protocol;

import io.vertx.core.internal.ContextInternal;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The node-wide bounds on what clients' publishes hold while they wait for the store and the other nodes. Two
 * counts, each bounded by {@code high}:
 * <ul>
 *   <li><b>inbound</b>: the messages read and not yet acknowledged. Past the bound every connection that adds
 *       to it stops reading; they read again once the total is back under half of it.</li>
 *   <li><b>storing</b>: the copies of store rounds under way (one per persistent-session queue a message is
 *       written to). A round with copies starts only while this is under a quarter of the bound, so a flood
 *       cannot pile up work (and serialized copies) in the store faster than it completes. Rounds never wait
 *       for the inbound count, which only the rounds bring down.</li>
 * </ul>
 * One per node; thread-safe (every event loop charges it).
 */
public final class InboundBudget {

    private final long high;
    private final long low;
    private final AtomicLong used = new AtomicLong();
    private final ConcurrentLinkedQueue<Runnable> waiting = new ConcurrentLinkedQueue<>();
    private final AtomicLong storing = new AtomicLong();
    private final ConcurrentLinkedQueue<Runnable> waitingToStore = new ConcurrentLinkedQueue<>();

    /**
     * The default bound, at most 32 MB: below the bus's 64 MB of unacknowledged bytes per peer, so publishers whose
     * messages wait for another node stop being read before that node's bus window is full (where QoS 1/2
     * forwards would be refused and their publishers disconnected).
     */
    static final long DEFAULT_MAX = 32L * 1024 * 1024;

    /** @param high bytes; 0 picks an eighth of the maximum heap, at most {@link #DEFAULT_MAX} */
    public InboundBudget(long high) {
        this.high = high > 0 ? high : Math.min(Runtime.getRuntime().maxMemory() / 8, DEFAULT_MAX);
        this.low = this.high / 2;
    }

    public long high() {
        return high;
    }

    public long used() {
        return used.get();
    }

    /** Adds {@code bytes}; true when the total is now over the bound. */
    boolean charge(long bytes) {
        return used.addAndGet(bytes) > high;
    }

    /** Takes {@code bytes} off; below half the bound, the connections waiting for that are told. */
    void release(long bytes) {
        if (used.addAndGet(-bytes) <= low && !waiting.isEmpty()) {
            Runnable r;
            while ((r = waiting.poll()) != null) {
                r.run();
            }
        }
    }

    boolean belowLow() {
        return used.get() <= low;
    }

    /** Runs {@code resume} on {@code context} once the total is under half the bound (at once if it is). */
    void whenBelowLow(ContextInternal context, Runnable resume) {
        waiting.add(() -> context.runOnContext(v -> resume.run()));
        if (belowLow()) {
            release(0);
        }
    }

    public long storing() {
        return storing.get();
    }

    /** Whether a store round with copies may start now: under a quarter of the bound under way. */
    boolean storeAdmits() {
        return storing.get() < high / 4;
    }

    void chargeStore(long bytes) {
        storing.addAndGet(bytes);
    }

    void releaseStore(long bytes) {
        if (storing.addAndGet(-bytes) < high / 4 && !waitingToStore.isEmpty()) {
            Runnable r;
            while ((r = waitingToStore.poll()) != null) {
                r.run();
            }
        }
    }

    /** Runs {@code start} on {@code context} once a store round may start (at once if it may). */
    void whenStoreAdmits(ContextInternal context, Runnable start) {
        waitingToStore.add(() -> context.runOnContext(v -> start.run()));
        if (storeAdmits()) {
            releaseStore(0);
        }
    }
}
