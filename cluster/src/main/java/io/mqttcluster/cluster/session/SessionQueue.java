package io.mqttcluster.cluster.session;

import io.mqttcluster.cluster.message.Message;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The QoS 1/2 messages waiting for one persistent session, in order, and the rules of its queue: append
 * with a size limit, acknowledge, mark PUBREL, take the shared-subscription copies back. Part of a
 * {@link SessionRecord}; changed only by the session's entry processors, so single-threaded.
 *
 * <p><b>Sequence numbers.</b> Every appended message gets the next number of the session; numbers are
 * never reused, also across a clean start (a new session under the same client id continues from where
 * the old one stopped). The connection delivers them in this order and notices a gap, so the queue is the
 * single source of truth for a connected session too (see the broker's {@code DurableSequencer}).
 *
 * <p><b>QoS 2 copies already taken.</b> A QoS 2 publisher re-sends a message whose routing a crashed node
 * may have done in part; the re-sent copy carries the first copy's message id. The queue recognises the
 * message while its copy waits here, and afterwards through a bounded ring of the ids of QoS 2 copies it
 * took in ({@code qos2Window} entries at most, grown on demand: a session that receives few QoS 2 messages
 * keeps a few ids).
 *
 * <p><b>The first copy arriving last.</b> The re-send is routed as a possible second copy and checked; the
 * first routing was not, and it can land after the re-send's: its node stood still in the middle of it (a
 * pause, a partition) and carried on when it came back, after the publisher had reconnected elsewhere and sent
 * the message again (fault harness seed 796606325). So the ids of copies taken in from a possible re-send are
 * kept apart ({@link #RESENT_WINDOW} at most; re-sends are rare), and every QoS 2 copy is checked against those:
 * a small list, so the common append stays cheap.
 */
final class SessionQueue {

    /** Most ids of copies taken in from possible re-sends that a queue keeps. */
    static final int RESENT_WINDOW = 1024;
    /** How many of the newest QoS 2 ids every QoS 2 copy is checked against. */
    static final int RECENT_CHECK = 64;

    private static final ArrayDeque<QueuedMessage> EMPTY = new ArrayDeque<>(0);

    /** Created with the first message: most sessions of a fleet never queue anything. */
    private ArrayDeque<QueuedMessage> entries;
    long nextSeq = 1;
    /** Ids of the QoS 2 copies taken in; null until the first. */
    private IdRing seen;
    /**
     * Ids of the QoS 2 copies taken in from a routing that was told the message may be a second copy (a
     * publisher's re-send, a retried write) and found no first one; null until the first. See {@link #append}.
     */
    private IdRing resent;

    int size() {
        return entries == null ? 0 : entries.size();
    }

    Iterable<QueuedMessage> view() {
        return entries == null ? EMPTY : entries;
    }

    List<QueuedMessage> copy() {
        return entries == null ? List.of() : new ArrayList<>(entries);
    }

    private ArrayDeque<QueuedMessage> entries() {
        if (entries == null) {
            entries = new ArrayDeque<>(4);
        }
        return entries;
    }

    /**
     * Queues one copy. {@code connected}: the session has a connection now, so the copy may be sent before
     * anyone reads the queue again (a later resend carries DUP=1).
     */
    AppendResult append(Message message, Target target, QueueLimits limits, boolean mayBeDuplicate, boolean connected,
                        String owner, long epoch) {
        if (mayBeDuplicate || (target.qos() == 2 && seenJustNow(message))) {
            for (QueuedMessage q : view()) {
                if (q.message().sameId(message)) {
                    return new AppendResult(AppendResult.DUPLICATE, q.seq(), owner, epoch, 0);
                }
            }
            if (seen != null && seen.contains(message)) {
                return new AppendResult(AppendResult.DUPLICATE, 0, owner, epoch, 0);
            }
        }
        int dropped = 0;
        if (size() >= limits.maxMessages()) {
            if (!limits.dropOldest()) {
                return new AppendResult(AppendResult.DROPPED_NEW, 0, owner, epoch, 0);
            }
            Iterator<QueuedMessage> it = entries().iterator();
            while (size() >= limits.maxMessages() && it.hasNext()) {
                // a message half-way through QoS 2 (PUBREL sent) must finish, or its packet id stays taken
                if (!it.next().pubrelSent()) {
                    it.remove();
                    dropped++;
                }
            }
            if (size() >= limits.maxMessages()) {
                return new AppendResult(AppendResult.DROPPED_NEW, 0, owner, epoch, dropped);
            }
        }
        long seq = nextSeq++;
        int flags = (connected ? QueuedMessage.MAYBE_SENT : 0) | (target.retainFlag() ? QueuedMessage.RETAIN : 0);
        entries().addLast(new QueuedMessage(seq, message, target.qos(), flags, target.shareGroup(), target.subscriptionIds()));
        if (target.qos() == 2) {
            if (seen == null) {
                seen = new IdRing();
            }
            seen.add(message, limits.qos2Window());
            if (mayBeDuplicate) {
                if (resent == null) {
                    resent = new IdRing();
                }
                resent.add(message, RESENT_WINDOW);
            }
        }
        return new AppendResult(AppendResult.APPENDED, seq, owner, epoch, dropped);
    }

    /**
     * A QoS 2 copy not flagged as a possible second one that still is: the first routing of a message whose
     * re-send was routed already, or one of the last {@link #RECENT_CHECK} copies taken in again. The second:
     * the same append run twice, which Hazelcast allows while membership changes under an operation
     * (hazelcast/hazelcast#7270, #12952); fault harness seed 796606325 queued one QoS 2 message twice, at
     * adjacent sequence numbers, for a shared-group member the moment its publisher's node was stopped.
     */
    private boolean seenJustNow(Message message) {
        return (resent != null && resent.contains(message)) || (seen != null && seen.containsRecent(message, RECENT_CHECK));
    }

    /** Removes acknowledged messages; true when something changed. */
    boolean ack(long[] seqs) {
        if (entries == null) {
            return false;
        }
        boolean changed = false;
        for (long seq : seqs) {
            Iterator<QueuedMessage> it = entries.iterator();
            while (it.hasNext()) {
                if (it.next().seq() == seq) {
                    it.remove();
                    changed = true;
                    break;
                }
            }
        }
        return changed;
    }

    /** The client answered PUBREC: from now on a resend is a PUBREL. True when something changed. */
    boolean markPubrel(long seq) {
        return replaceFlags(seq, QueuedMessage.PUBREL_SENT);
    }

    /** Every message is about to be sent by a resuming connection: a later resend carries DUP=1. */
    boolean markAllMaybeSent() {
        if (entries == null) {
            return false;
        }
        boolean changed = false;
        int n = entries.size();
        for (int i = 0; i < n; i++) {
            QueuedMessage q = entries.pollFirst();
            if (!q.maybeSent()) {
                q = q.withFlags(q.flags() | QueuedMessage.MAYBE_SENT);
                changed = true;
            }
            entries.addLast(q);
        }
        return changed;
    }

    private boolean replaceFlags(long seq, int flag) {
        if (entries == null) {
            return false;
        }
        boolean changed = false;
        int n = entries.size();
        for (int i = 0; i < n; i++) {
            QueuedMessage q = entries.pollFirst();
            if (q.seq() == seq && (q.flags() & flag) == 0) {
                q = q.withFlags(q.flags() | flag);
                changed = true;
            }
            entries.addLast(q);
        }
        return changed;
    }

    /**
     * Takes out the copies that came through a shared group and may go to another member instead
     * [MQTT-4.8.2-4] [MQTT-4.8.2-5]: QoS 1 copies not half-way through; QoS 2 copies only when the client cannot
     * have them: never sent to any connection (not maybe-sent), never handed to the last connection (sequence
     * number at or above {@code handedUpTo}), or handed to it and not sent ({@code neverSent}). A QoS 2 copy
     * the client may have stays with it.
     */
    List<QueuedMessage> takeShared(long handedUpTo, long[] neverSent) {
        List<QueuedMessage> taken = new ArrayList<>();
        if (entries == null) {
            return taken;
        }
        Iterator<QueuedMessage> it = entries.iterator();
        while (it.hasNext()) {
            QueuedMessage q = it.next();
            if (q.shareGroup() == null || q.pubrelSent()) {
                continue;
            }
            boolean clientCannotHaveIt = !q.maybeSent() || q.seq() >= handedUpTo || contains(neverSent, q.seq());
            if (q.qos() < 2 || clientCannotHaveIt) {
                it.remove();
                taken.add(q);
            }
        }
        return taken;
    }

    private static boolean contains(long[] values, long v) {
        for (long x : values) {
            if (x == v) {
                return true;
            }
        }
        return false;
    }

    /** A new, empty queue that continues this one's numbering (a clean start under the same client id). */
    SessionQueue successor() {
        SessionQueue next = new SessionQueue();
        next.nextSeq = nextSeq;
        return next;
    }

    /** Whether this queue holds ids of copies from possible re-sends (only format version 5 has them). */
    boolean hasResent() {
        return resent != null;
    }

    /** In the format of record {@code version} (4: without the resent ids). */
    void writeTo(DataOutput out, int version) throws IOException {
        out.writeLong(nextSeq);
        out.writeInt(size());
        for (QueuedMessage q : view()) {
            q.writeTo(out);
        }
        writeRing(out, seen);
        if (version >= 5) {
            writeRing(out, resent);
        }
    }

    private static void writeRing(DataOutput out, IdRing ring) throws IOException {
        if (ring == null) {
            out.writeInt(0);
        } else {
            ring.writeTo(out);
        }
    }

    /** The queue part of a record of {@code version} (2 to 4: no resent ids). */
    static SessionQueue readFrom(DataInput in, int version) throws IOException {
        SessionQueue q = new SessionQueue();
        q.nextSeq = in.readLong();
        int n = in.readInt();
        for (int i = 0; i < n; i++) {
            q.entries().addLast(QueuedMessage.readFrom(in));
        }
        q.seen = IdRing.readFrom(in);
        q.resent = version >= 5 ? IdRing.readFrom(in) : null;
        return q;
    }

    /** Reads the queue part of a version 1 record (no seen ids). */
    static SessionQueue readVersion1(DataInput in) throws IOException {
        SessionQueue q = new SessionQueue();
        q.nextSeq = in.readLong();
        int n = in.readInt();
        for (int i = 0; i < n; i++) {
            q.entries().addLast(QueuedMessage.readFrom(in));
        }
        return q;
    }
}
