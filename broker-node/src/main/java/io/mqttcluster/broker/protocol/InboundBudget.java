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

    /**
     * The default bound, at most 32 MB: below the bus's 64 MB of unacknowledged bytes per peer, so publishers whose
     * messages wait for another node stop being read before that node's bus window is full (where QoS 1/2
     * forwards would be refused and their publishers disconnected).
     */
    static final long DEFAULT_MAX = 32L * 1024 * 1024;

    /** A byte count that is open below a threshold, and wakes whoever waits for that when it gets there. */
    private static final class Count {
        private final long openBelow;
        private final AtomicLong value = new AtomicLong();
        private final ConcurrentLinkedQueue<Runnable> waiting = new ConcurrentLinkedQueue<>();

        Count(long openBelow) {
            this.openBelow = openBelow;
        }

        boolean open() {
            return value.get() < openBelow;
        }

        long add(long bytes) {
            return value.addAndGet(bytes);
        }

        void subtract(long bytes) {
            if (value.addAndGet(-bytes) < openBelow && !waiting.isEmpty()) {
                Runnable r;
                while ((r = waiting.poll()) != null) {
                    r.run();
                }
            }
        }

        /** Runs {@code then} on {@code context} once the count is open (at once if it is). */
        void whenOpen(ContextInternal context, Runnable then) {
            waiting.add(() -> context.runOnContext(v -> then.run()));
            if (open()) {
                subtract(0);
            }
        }
    }

    private final long high;
    private final long perClient;
    /** Messages read and not yet acknowledged: reading goes on again at half the bound. */
    private final Count inbound;
    /** Copies of the store rounds under way: a round with copies starts under a quarter of the bound. */
    private final Count storing;

    /**
     * @param high      bytes node-wide; 0 picks an eighth of the maximum heap, at most {@link #DEFAULT_MAX}
     * @param perClient bytes one client's publishes may hold before its reading pauses (mqtt.max-inbound-pending-bytes)
     */
    public InboundBudget(long high, long perClient) {
        this.perClient = perClient;
        this.high = high > 0 ? high : Math.min(Runtime.getRuntime().maxMemory() / 8, DEFAULT_MAX);
        this.inbound = new Count(this.high / 2 + 1);
        this.storing = new Count(this.high / 4);
    }

    public long high() {
        return high;
    }

    /** What one client's publishes may hold before its reading pauses. */
    long perClient() {
        return perClient;
    }

    public long used() {
        return inbound.value.get();
    }

    /** Adds {@code bytes}; true when the total is now over the bound. */
    boolean charge(long bytes) {
        return inbound.add(bytes) > high;
    }

    /** Takes {@code bytes} off; at half the bound, the connections waiting for that are told. */
    void release(long bytes) {
        inbound.subtract(bytes);
    }

    boolean belowLow() {
        return inbound.open();
    }

    /** Runs {@code resume} on {@code context} once the total is at or under half the bound (at once if it is). */
    void whenBelowLow(ContextInternal context, Runnable resume) {
        inbound.whenOpen(context, resume);
    }

    public long storing() {
        return storing.value.get();
    }

    /** Whether a store round with copies may start now: under a quarter of the bound under way. */
    boolean storeAdmits() {
        return storing.open();
    }

    void chargeStore(long bytes) {
        storing.add(bytes);
    }

    void releaseStore(long bytes) {
        storing.subtract(bytes);
    }

    /** Runs {@code start} on {@code context} once a store round may start (at once if it may). */
    void whenStoreAdmits(ContextInternal context, Runnable start) {
        storing.whenOpen(context, start);
    }
}
