package io.mqttcluster.broker.protocol;

import io.mqttcluster.broker.protocol.Outbound.Outgoing;
import io.mqttcluster.cluster.session.QueuedMessage;
import io.mqttcluster.cluster.session.SnapshotResult;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A persistent session's stored queue, as one connection delivers it: notices of stored messages are handed to
 * the in-flight window in queue order ({@link DurableSequencer}), a gap that stays open makes the connection
 * read the stored queue again, and what the client completed goes back to the store: acknowledgements in
 * batches, and QoS 2's PUBREC marks, each stored before its PUBREL goes out. On the connection's event loop only;
 * allocated with the first stored message (most connections of a fleet never need it).
 */
final class QueuedDelivery {

    private static final Logger log = LoggerFactory.getLogger(QueuedDelivery.class);

    /** A PUBREL waiting for its PUBREC to be recorded in the store. */
    private record PendingPubrel(Future<Object> marked, int packetId) {
    }

    private final ClientProtocol channel;
    private final Delivery delivery;
    private DurableSequencer sequencer;
    private long gapTimer = -1;
    private boolean resyncing;
    private ArrayDeque<PendingPubrel> pubrels;
    /** Stored-copy notices that arrived while connecting, with their epoch. */
    private List<Object[]> early;
    private long[] acks;
    private int ackCount;

    QueuedDelivery(ClientProtocol channel, Delivery delivery) {
        this.channel = channel;
        this.delivery = delivery;
    }

    /** A connection without a stored session, or a new one: its first stored message will have {@code nextSeq}. */
    void start(long nextSeq) {
        sequencer().start(nextSeq);
    }

    /**
     * A resumed session: reads the stored queue (a read, repeated like the writes when it gets no answer) and
     * hands it to the window; completes when the queue is in the window (or the connection ended).
     */
    Future<Void> restore(long claimNextSeq) {
        return channel.ops().retrying(() -> channel.services().store().snapshot(channel.clientId(), channel.epoch())).transform(ar -> {
            if (!channel.isConnected()) {
                return Future.succeededFuture();
            }
            if (ar.failed()) {
                channel.storeFailed("session_snapshot", ar.cause());
                return Future.succeededFuture();
            }
            SnapshotResult snapshot = ar.result(); // null when a newer connection claimed the session
            List<QueuedMessage> queue = sequencer().resync(snapshot == null ? List.of() : snapshot.queue(),
                    snapshot == null ? claimNextSeq : snapshot.nextSeq());
            if (!queue.isEmpty()) {
                delivery.window().restore(queue);
            }
            return Future.succeededFuture();
        });
    }

    /** The notices that arrived while the connection was claiming its session, handed over now. */
    void replayEarly() {
        if (early != null) {
            List<Object[]> notices = early;
            early = null;
            for (Object[] n : notices) {
                offer((Long) n[0], (QueuedMessage) n[1]);
            }
        }
    }

    /** A notice of a message stored in the queue, for the connection of {@code noticeEpoch}. */
    void offer(long noticeEpoch, QueuedMessage q) {
        if (channel.isConnecting()) {
            if (early == null) {
                early = new ArrayList<>();
            }
            early.add(new Object[]{noticeEpoch, q});
            return;
        }
        if (!channel.isConnected() || noticeEpoch != channel.epoch()) {
            return; // for another connection of this client: it is in the queue that connection reads
        }
        if (sequencer().started() && q.seq() < sequencer.expected()) {
            log.info("event=queued_notice_dropped client_id={} seq={} expected_seq={} message={}", channel.clientId(), q.seq(),
                    sequencer.expected(), q.message());
        }
        List<QueuedMessage> ready = sequencer().offer(q);
        for (QueuedMessage m : ready) {
            delivery.window().enqueue(outgoing(m));
        }
        if (!sequencer.hasGap()) {
            if (gapTimer >= 0) {
                channel.services().vertx().cancelTimer(gapTimer); // the missing ones arrived
                gapTimer = -1;
            }
        } else if (!channel.restoring()) {
            if (sequencer.waitingCount() > channel.services().config().maxQueuedMessages()) {
                resync();
            } else if (!resyncing) {
                gapCheck();
            }
        }
    }

    private static Outgoing outgoing(QueuedMessage m) {
        return new Outgoing(m.message(), m.qos(), m.seq(), m.retainFlag(), m.shareGroup(), m.maybeSent(), m.subscriptionIds());
    }

    /** Re-reads the stored queue: a message this connection should have been told about is missing. */
    private void resync() {
        if (resyncing || !channel.isConnected()) {
            return;
        }
        cancelGapTimer();
        resyncing = true;
        channel.services().metrics().queueResync();
        long expectedBefore = sequencer.expected();
        int waitingBefore = sequencer.waitingCount();
        String clientId = channel.clientId();
        channel.ops().retrying(() -> channel.services().store().snapshot(clientId, channel.epoch())).onComplete(ar -> {
            resyncing = false;
            if (!channel.isConnected()) {
                return;
            }
            if (ar.failed() || ar.result() == null) {
                // the store is failing, or a newer connection took over: try again while the gap is open
                log.info("event=session_queue_resync client_id={} result={}", clientId,
                        ar.failed() ? StoreOps.oneLine(ar.cause()) : "taken_over");
                if (ar.succeeded()) {
                    return;
                }
                gapCheck();
                return;
            }
            List<QueuedMessage> found = sequencer.resync(ar.result().queue(), ar.result().nextSeq());
            log.info("event=session_queue_resync client_id={} expected_seq={} waiting={} stored={} stored_seqs={} next_seq={} handed_over={} expected_after={}",
                    clientId, expectedBefore, waitingBefore, ar.result().queue().size(),
                    ar.result().queue().stream().map(QueuedMessage::seq).toList(), ar.result().nextSeq(), found.size(), sequencer.expected());
            for (QueuedMessage m : found) {
                delivery.window().enqueue(outgoing(m));
            }
            if (sequencer.hasGap()) {
                gapCheck();
            }
        });
    }

    /** Re-reads the stored queue if the gap is still open after {@code mqtt.queue-gap-wait}. */
    private void gapCheck() {
        if (gapTimer < 0) {
            gapTimer = channel.services().vertx().setTimer(channel.services().config().queueGapWaitMillis(), t -> {
                gapTimer = -1;
                if (sequencer.hasGap()) {
                    resync();
                }
            });
        }
    }

    void cancelGapTimer() {
        if (gapTimer >= 0) {
            channel.services().vertx().cancelTimer(gapTimer);
            gapTimer = -1;
        }
    }

    /** The queue position up to which messages were handed to this connection; MAX_VALUE when unknown. */
    long handedUpTo() {
        return sequencer != null && sequencer.started() && !channel.restoring() ? sequencer.expected() : Long.MAX_VALUE;
    }

    private DurableSequencer sequencer() {
        if (sequencer == null) {
            sequencer = new DurableSequencer();
        }
        return sequencer;
    }

    /** The client completed a stored message: acknowledged in the store with the others of this loop turn. */
    void done(long seq) {
        if (ackCount == 0) {
            channel.context().runOnContext(v -> flushAcks());
        }
        if (acks == null) {
            acks = new long[8];
        } else if (ackCount == acks.length) {
            acks = Arrays.copyOf(acks, acks.length * 2);
        }
        acks[ackCount++] = seq;
    }

    void flushAcks() {
        if (ackCount == 0) {
            return;
        }
        long[] seqs = Arrays.copyOf(acks, ackCount);
        ackCount = 0;
        channel.ops().retrying(() -> channel.services().store().ack(channel.clientId(), seqs));
    }

    /** The client sent PUBREC for a stored QoS 2 message: PUBREL goes out once that is stored. */
    void pubrecThenPubrel(long seq, int packetId) {
        // PUBREL goes out in the order the PUBRECs came in [MQTT-4.6.0-4], each after its mark is stored;
        // store answers may complete out of order, so they wait in line
        Future<Object> marked = channel.ops().retrying(() -> channel.services().store().markPubrel(channel.clientId(), seq));
        if (pubrels == null) {
            pubrels = new ArrayDeque<>(4);
        }
        pubrels.addLast(new PendingPubrel(marked, packetId));
        marked.onComplete(ar -> drainPubrels());
    }

    private void drainPubrels() {
        while (!pubrels.isEmpty() && pubrels.peekFirst().marked().isComplete()) {
            PendingPubrel p = pubrels.pollFirst();
            if (!channel.isConnected()) {
                continue;
            }
            if (p.marked().failed()) {
                // without the mark, PUBREL must not go out; the client gets it after it reconnects
                channel.storeFailed("mark_pubrel", p.marked().cause());
                return;
            }
            channel.out().pubrel(p.packetId());
        }
    }
}
