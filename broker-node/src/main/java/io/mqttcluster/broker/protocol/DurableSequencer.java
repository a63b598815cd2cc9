package io.mqttcluster.broker.protocol;

import io.mqttcluster.cluster.session.QueuedMessage;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Puts the stored copies a connected persistent session is told about into queue order, and notices what
 * it was never told about.
 *
 * <p>Every message queued for a session gets the next sequence number of that session, and while a
 * connection holds the session every one of them is announced to it (by whichever node stored it). So the
 * connection knows exactly which number comes next: a notice for a later one means the ones in between are
 * still on their way (from another node; they usually arrive within a millisecond) or were lost with a node
 * that crashed after storing them. The later ones wait; if the gap does not close within
 * {@code mqtt.queue-gap-wait}, the connection re-reads its stored queue ({@link #resync}), which is the
 * truth. A notice for a number already passed is a second copy (a re-send after a crash) and is dropped.
 *
 * <p>So a persistent session receives its messages in the order they were stored, none twice, and none
 * missing while it stays connected. Owned by the connection's event loop; not thread-safe.
 */
final class DurableSequencer {

    /** The next sequence number to hand over; -1 before the session's start is known. */
    private long expected = -1;
    private final TreeMap<Long, QueuedMessage> waiting = new TreeMap<>();

    /** The session starts with nothing to read: the next message queued gets {@code nextSeq}. */
    void start(long nextSeq) {
        expected = nextSeq;
        waiting.headMap(nextSeq).clear();
    }

    boolean started() {
        return expected >= 0;
    }

    /** A notice; returns what can be handed over now, in order (possibly nothing). */
    List<QueuedMessage> offer(QueuedMessage q) {
        if (expected >= 0 && q.seq() < expected) {
            return List.of(); // a second copy of one already handed over
        }
        waiting.putIfAbsent(q.seq(), q);
        return drain();
    }

    /**
     * The stored queue as read now: hands over what it holds from the expected number on, and continues after
     * its end (what was dropped from the queue meanwhile is not waited for).
     */
    List<QueuedMessage> resync(List<QueuedMessage> queue, long nextSeq) {
        List<QueuedMessage> out = new ArrayList<>(queue.size());
        for (QueuedMessage q : queue) {
            if (expected < 0 || q.seq() >= expected) {
                out.add(q);
            }
        }
        expected = Math.max(expected, nextSeq);
        waiting.headMap(expected).clear();
        out.addAll(drain());
        return out;
    }

    private List<QueuedMessage> drain() {
        if (expected < 0 || waiting.isEmpty() || waiting.firstKey() != expected) {
            return List.of();
        }
        List<QueuedMessage> out = new ArrayList<>(2);
        Map.Entry<Long, QueuedMessage> first;
        while ((first = waiting.firstEntry()) != null && first.getKey() == expected) {
            waiting.pollFirstEntry();
            out.add(first.getValue());
            expected++;
        }
        return out;
    }

    /** Notices are waiting for an earlier number. */
    boolean hasGap() {
        return !waiting.isEmpty();
    }

    int waitingCount() {
        return waiting.size();
    }

    long expected() {
        return expected;
    }
}
