package io.mqttcluster.broker.protocol;

import java.util.ArrayList;

import io.mqttcluster.cluster.session.SharedHandover;

import io.mqttcluster.broker.protocol.Outbound.Outgoing;
import io.mqttcluster.broker.metrics.BrokerMetrics.DropReason;
import io.mqttcluster.cluster.message.Message;
import io.mqttcluster.cluster.session.QueuedMessage;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Messages to one client: QoS 0 written when the socket takes it, QoS 1/2 through the in-flight window
 * ({@link Outbound}, at most the client's Receive Maximum unacknowledged), stored messages of a persistent
 * session in queue order ({@link QueuedDelivery}), and the client's PUBACK / PUBREC / PUBCOMP. The window and
 * the stored-queue state are allocated on first use: most connections of a fleet are idle devices that never need
 * them. On the connection's event loop only.
 */
final class Delivery implements Outbound.Sink {

    private static final Logger log = LoggerFactory.getLogger(Delivery.class);

    private final ClientProtocol channel;
    private final ProtocolServices services;
    private final ProtocolOutput out;
    private int window;
    private Outbound outbound;
    private QueuedDelivery queued;
    /** Whether the window dropped a message because the queue was full (logged once per connection). */
    private boolean queueOverflowed;

    Delivery(ClientProtocol channel) {
        this.channel = channel;
        this.services = channel.services();
        this.out = channel.out();
    }

    /** How many QoS 1/2 messages may be in flight to the client at once. */
    void window(int size) {
        window = size;
    }

    /**
     * A message that needs no stored copy (clean session, or QoS 0) for a connected client. QoS 0 is written if
     * the socket takes it and dropped (counted) if not; QoS 1/2 waits in the window.
     */
    void direct(Message message, int qos, boolean retainFlag, String shareKey, int[] subscriptionIds) {
        if (qos == 0) {
            if (!deliverable(message, subscriptionIds)) {
                return;
            }
            if (out.writable()) {
                out.publish(0, message, 0, false, retainFlag, subscriptionIds);
                services.metrics().delivered(0, message.createdAtMillis());
            } else {
                services.metrics().dropped(DropReason.SLOW_CONSUMER);
            }
            return;
        }
        window().enqueue(new Outgoing(message, qos, -1, retainFlag, shareKey, false, subscriptionIds));
    }

    /** A notice of a message stored in the session's queue, for the connection of {@code noticeEpoch}. */
    void queued(long noticeEpoch, QueuedMessage q) {
        queued().offer(noticeEpoch, q);
    }

    /** A session without a stored queue to resume: its first stored message will have {@code nextSeq}. */
    void startQueue(long nextSeq) {
        queued().start(nextSeq);
    }

    /** A resumed session: its stored queue into the window; completes when it is there (or the connection ended). */
    Future<Void> restoreQueue(long nextSeq) {
        return queued().restore(nextSeq);
    }

    /** The session is restored: what waited meanwhile goes out. */
    void restored() {
        if (queued != null) {
            queued.replayEarly();
        }
        pump();
    }

    void pump() {
        if (outbound != null) {
            outbound.pump();
        }
    }

    void onPuback(int packetId) {
        if (outbound != null) {
            outbound.onPuback(packetId);
        }
    }

    void onPubrec(int packetId) {
        window().onPubrec(packetId);
    }

    void onPubcomp(int packetId) {
        if (outbound != null) {
            outbound.onPubcomp(packetId);
        }
    }

    /** Stores the acknowledgements not yet written (the connection ends). */
    void flushAcks() {
        if (queued != null) {
            queued.flushAcks();
        }
    }

    /** The connection ended: timers stop, and the messages still in the window come back for the caller to place. */
    List<Outgoing> abandon() {
        if (queued != null) {
            queued.cancelGapTimer();
        }
        return outbound == null ? List.of() : outbound.abandon();
    }

    /**
     * The connection ended: memory messages of shared groups still here go to other members (a QoS 2 copy the
     * client may have received stays its own [MQTT-4.8.2-5]); for a stored session in shared groups, returns what
     * its next connection must not be sent again as its own (null otherwise).
     */
    SharedHandover release(boolean storedSharedSession) {
        List<Long> neverSent = new ArrayList<>();
        for (Outgoing o : abandon()) {
            if (o.shareGroup() != null && !o.durable()) {
                if (o.qos() < 2 || !o.dup) {
                    services.router().redispatchShared(o.message(), o.qos(), o.shareGroup(), channel.clientId(), channel.context());
                }
            } else if (o.shareGroup() != null && !o.dup) {
                neverSent.add(o.seq());
            }
        }
        if (!storedSharedSession) {
            return null;
        }
        return new SharedHandover(handedUpTo(), neverSent.stream().mapToLong(Long::longValue).toArray());
    }

    /** The queue position up to which stored messages were handed to this connection; MAX_VALUE when unknown. */
    long handedUpTo() {
        return queued == null ? Long.MAX_VALUE : queued.handedUpTo();
    }

    private QueuedDelivery queued() {
        if (queued == null) {
            queued = new QueuedDelivery(channel, this);
        }
        return queued;
    }

    /** The in-flight window, created with the first QoS 1/2 message. */
    Outbound window() {
        if (outbound == null) {
            outbound = new Outbound(this, window, services.config().maxQueuedMessages(), services.config().dropOldest());
        }
        return outbound;
    }

    /** The in-flight window, or null while no QoS 1/2 message went to this client. */
    Outbound outbound() {
        return outbound;
    }

    // Outbound.Sink

    @Override
    public boolean writable() {
        return out.writable() && !channel.restoring();
    }

    @Override
    public void sendPublish(int packetId, Outgoing o, boolean dup) {
        out.publish(packetId, o.message(), o.qos(), dup, o.retainFlag(), o.subscriptionIds());
        services.metrics().delivered(o.qos(), dup ? 0 : o.message().createdAtMillis());
    }

    @Override
    public boolean deliverable(Outgoing o) {
        return deliverable(o.message(), o.subscriptionIds());
    }

    /**
     * Allowed by the ACL, not expired [MQTT-3.3.2-5] and within the client's Maximum Packet Size [MQTT-3.1.2-25];
     * counted when not.
     */
    private boolean deliverable(Message message, int[] subscriptionIds) {
        if (!channel.access().mayReceive(message.topic())) {
            services.metrics().dropped(DropReason.NOT_AUTHORIZED); // a wildcard subscription over a denied topic
            return false;
        }
        if (message.properties() != null && message.isExpired(System.currentTimeMillis())) { // no clock read without an expiry
            services.metrics().dropped(DropReason.EXPIRED);
            return false;
        }
        if (!out.fits(message, subscriptionIds)) {
            services.metrics().dropped(DropReason.TOO_LARGE);
            return false;
        }
        return true;
    }

    @Override
    public void sendPubrel(int packetId) {
        out.pubrel(packetId);
    }

    @Override
    public void durableDone(long seq) {
        queued().done(seq);
    }

    @Override
    public void durablePubrecThenPubrel(long seq, int packetId) {
        queued().pubrecThenPubrel(seq, packetId);
    }

    @Override
    public void dropped(Outgoing message) {
        services.metrics().dropped(DropReason.QUEUE_FULL);
        if (!queueOverflowed) {
            queueOverflowed = true;
            // once per connection: which client overflows is what an operator asks after the queue_full alert
            log.warn("event=session_queue_full client_id={} limit={} first_dropped={}", channel.clientId(),
                    services.config().maxQueuedMessages(), message.message());
        }
    }
}
