package io.mqttcluster.cluster.forward;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * The callers of {@link ClusterBus#delivered} waiting for one link's acknowledgements: taken in sequence
 * order when an acknowledgement arrives, or in deadline order when their time is up. Deadlines are the time
 * of the call plus one fixed timeout, so the order of calls is the order of deadlines: a plain queue. A
 * waiter taken by one is marked done and skipped by the other later. Not thread-safe: the link's lock
 * guards it; complete what it hands out after releasing that lock.
 */
final class AckWaiters {

    static final class Waiter {
        final long seq;
        final Promise<Void> promise;
        /** The caller's context, where its promise completes; null for a caller on no context. */
        final ContextInternal context;
        final long deadline;
        boolean done;

        Waiter(long seq, Promise<Void> promise, ContextInternal context, long deadline) {
            this.seq = seq;
            this.promise = promise;
            this.context = context;
            this.deadline = deadline;
        }
    }

    private final PriorityQueue<Waiter> bySeq = new PriorityQueue<>(Comparator.comparingLong(w -> w.seq));
    private final ArrayDeque<Waiter> byDeadline = new ArrayDeque<>();

    /** A waiter for {@code seq}, completed on {@code caller}'s context if there is one. */
    Future<Void> add(long seq, ContextInternal caller, long deadlineNanos) {
        Promise<Void> promise = caller != null ? caller.promise() : Promise.promise();
        Waiter w = new Waiter(seq, promise, caller, deadlineNanos);
        bySeq.add(w);
        byDeadline.addLast(w);
        return promise.future();
    }

    /** The waiters of {@code acked} and below, in sequence order; null if none. */
    List<Waiter> upTo(long acked) {
        List<Waiter> out = null;
        Waiter w;
        while ((w = bySeq.peek()) != null && w.seq <= acked) {
            bySeq.poll();
            if (!w.done) {
                w.done = true;
                if (out == null) {
                    out = new ArrayList<>();
                }
                out.add(w);
            }
        }
        while ((w = byDeadline.peekFirst()) != null && w.done) {
            byDeadline.pollFirst();
        }
        return out;
    }

    /** The waiters whose deadline is {@code now} or earlier; null if none. */
    List<Waiter> expired(long now) {
        List<Waiter> out = null;
        Waiter w;
        while ((w = byDeadline.peekFirst()) != null && (w.done || w.deadline - now <= 0)) {
            byDeadline.pollFirst();
            if (!w.done) {
                w.done = true; // left in bySeq, skipped there
                if (out == null) {
                    out = new ArrayList<>();
                }
                out.add(w);
            }
        }
        return out;
    }

    /** Every waiter still waiting, in sequence order; none remain. */
    List<Waiter> takeAll() {
        List<Waiter> out = new ArrayList<>();
        Waiter w;
        while ((w = bySeq.poll()) != null) {
            if (!w.done) {
                w.done = true;
                out.add(w);
            }
        }
        byDeadline.clear();
        return out;
    }

    /**
     * Succeeds the waiters an acknowledgement took, with one task per caller context rather than one per
     * waiter: an acknowledgement covers many frames, often sent from a few event loops, and each promise
     * completed from outside its context would be a task (and a wake-up) of its own. Call outside the lock.
     */
    static void succeed(List<Waiter> done) {
        if (done == null) {
            return;
        }
        if (done.size() == 1) {
            done.get(0).promise.tryComplete();
            return;
        }
        Map<ContextInternal, List<Waiter>> byContext = new IdentityHashMap<>(4);
        for (Waiter w : done) {
            if (w.context == null) {
                w.promise.tryComplete();
            } else {
                byContext.computeIfAbsent(w.context, c -> new ArrayList<>()).add(w);
            }
        }
        for (Map.Entry<ContextInternal, List<Waiter>> e : byContext.entrySet()) {
            List<Waiter> mine = e.getValue();
            // on its context, each promise runs its callbacks at once and in sequence order
            e.getKey().runOnContext(v -> {
                for (Waiter w : mine) {
                    w.promise.tryComplete();
                }
            });
        }
    }
}
