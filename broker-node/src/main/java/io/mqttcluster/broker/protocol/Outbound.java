package io.mqttcluster.broker.protocol;

import io.mqttcluster.cluster.message.Message;
import io.mqttcluster.cluster.session.QueuedMessage;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The sending side of one connected session: the QoS 1/2 in-flight window, the queue behind it, packet
 * ids, and the QoS 1 and QoS 2 acknowledgement flows (MQTT 3.1.1 section 4.3). Pure state: it talks to
 * the outside only through {@link Sink}, so every rule here is tested without a socket.
 *
 * <p>Two kinds of messages pass through it. <b>Durable</b> ones belong to a persistent session and are
 * already stored in the cluster's queue under a sequence number; their packet id is derived from that
 * number, so whichever node sends them, before or after a crash, uses the same id. <b>Memory</b> ones
 * belong to a clean session and take the next free packet id. When a derived id is still in use by an
 * unacknowledged message, sending waits until it is freed.
 *
 * <p>Owned by the connection's event loop; not thread-safe.
 */
public final class Outbound {

    /** What the window needs from its connection and the store. */
    public interface Sink {
        boolean writable();

        void sendPublish(int packetId, Outgoing message, boolean dup);

        void sendPubrel(int packetId);

        /** A durable message was acknowledged (PUBACK, or PUBCOMP): remove it from the stored queue. */
        void durableDone(long seq);

        /**
         * The client sent PUBREC for a durable message: record it in the store, then send PUBREL.
         * Memory messages get their PUBREL directly.
         */
        void durablePubrecThenPubrel(long seq, int packetId);

        /** A message could not be kept (queue full); it is counted, never silently lost. */
        void dropped(Outgoing message);

        /**
         * Whether a message may still go out (MQTT 5: not expired, within the client's Maximum Packet Size); one
         * that may not is counted by the sink and finished as if sent [MQTT-3.3.2-5] [MQTT-3.1.2-25].
         */
        default boolean deliverable(Outgoing message) {
            return true;
        }
    }

    /** One message on its way to the client. */
    public static final class Outgoing {
        final Message message;
        final int qos;
        /** Sequence number in the persistent session's stored queue, or -1 for a memory message. */
        final long seq;
        final boolean retainFlag;
        final String shareGroup;
        final int[] subscriptionIds;
        boolean dup;
        boolean pubrelSent;
        int packetId;

        public Outgoing(Message message, int qos, long seq, boolean retainFlag, String shareGroup, boolean dup) {
            this(message, qos, seq, retainFlag, shareGroup, dup, null);
        }

        /** @param subscriptionIds the identifiers of the subscriptions it matched (MQTT 5), or null */
        public Outgoing(Message message, int qos, long seq, boolean retainFlag, String shareGroup, boolean dup,
                        int[] subscriptionIds) {
            this.subscriptionIds = subscriptionIds;
            this.message = message;
            this.qos = qos;
            this.seq = seq;
            this.retainFlag = retainFlag;
            this.shareGroup = shareGroup;
            this.dup = dup;
        }

        public Message message() {
            return message;
        }

        public int qos() {
            return qos;
        }

        public long seq() {
            return seq;
        }

        public boolean durable() {
            return seq >= 0;
        }

        public boolean retainFlag() {
            return retainFlag;
        }

        public String shareGroup() {
            return shareGroup;
        }

        public int[] subscriptionIds() {
            return subscriptionIds;
        }
    }

    private final Sink sink;
    private final int window;
    private final int maxQueued;
    private final boolean dropOldest;
    private final ArrayDeque<Outgoing> pending = new ArrayDeque<>(2);
    private final Map<Integer, Outgoing> inflight = new LinkedHashMap<>(4);
    private int lastMemoryId;
    // sizes for gauges read by the metrics scrape on another thread
    private volatile int inflightSize;
    private volatile int pendingSize;
    public Outbound(Sink sink, int window, int maxQueued, boolean dropOldest) {
        this.sink = sink;
        this.window = window;
        this.maxQueued = maxQueued;
        this.dropOldest = dropOldest;
    }

    /** Messages sent and not yet acknowledged; may be read from any thread (slightly stale). */
    public int inflightCount() {
        return inflightSize;
    }

    /** Messages waiting for a window slot; may be read from any thread (slightly stale). */
    public int pendingCount() {
        return pendingSize;
    }

    private void sizes() {
        inflightSize = inflight.size();
        pendingSize = pending.size();
    }

    /** Queues a QoS 1/2 message and sends it when the window and the socket allow. */
    public void enqueue(Outgoing o) {
        if (pending.size() >= maxQueued) {
            if (dropOldest) {
                sink.dropped(pending.pollFirst());
            } else {
                sink.dropped(o);
                return;
            }
        }
        pending.addLast(o);
        pump();
    }

    /**
     * Takes in a persistent session's stored queue when it resumes: messages the client already answered
     * with PUBREC get PUBREL again, the others are (re)sent in order, with DUP=1 where they may have been
     * sent before [MQTT-4.4.0-1].
     */
    public void restore(List<QueuedMessage> queue) {
        for (QueuedMessage q : queue) {
            Outgoing o = new Outgoing(q.message(), q.qos(), q.seq(), q.retainFlag(), q.shareGroup(), q.maybeSent(), q.subscriptionIds());
            if (q.pubrelSent()) {
                o.pubrelSent = true;
                o.packetId = q.packetId();
                inflight.put(o.packetId, o);
                sink.sendPubrel(o.packetId);
            } else {
                pending.addLast(o);
            }
        }
        pump();
    }

    /** Sends queued messages while the window has room and the socket takes writes. */
    public void pump() {
        send();
        sizes();
    }

    private void send() {
        while (inflight.size() < window && !pending.isEmpty()) {
            if (!sink.writable()) {
                return;
            }
            Outgoing o = pending.peekFirst();
            // a QoS 2 message sent before keeps its packet id until PUBREC: the client may hold it as received
            if ((!o.dup || o.qos == 1) && !sink.deliverable(o)) {
                pending.pollFirst();
                if (o.durable()) {
                    sink.durableDone(o.seq);
                }
                continue;
            }
            int packetId = o.durable() ? QueuedMessage.packetIdOf(o.seq) : nextMemoryId();
            if (inflight.containsKey(packetId)) {
                return; // the id of an unacknowledged message: wait for it
            }
            pending.pollFirst();
            o.packetId = packetId;
            inflight.put(packetId, o);
            sink.sendPublish(packetId, o, o.dup);
            o.dup = true; // any later send of it is a resend
        }
    }

    /** PUBACK [MQTT-4.3.2-2]: the QoS 1 message is delivered. Unknown ids are ignored. */
    public void onPuback(int packetId) {
        Outgoing o = inflight.get(packetId);
        if (o == null || o.qos != 1) {
            return;
        }
        inflight.remove(packetId);
        if (o.durable()) {
            sink.durableDone(o.seq);
        }
        pump();
    }

    /**
     * PUBREC [MQTT-4.3.3-1]: the client has the QoS 2 message; answer PUBREL, also for an id we no longer
     * know (the client holds state for it and must be able to finish).
     */
    public void onPubrec(int packetId) {
        Outgoing o = inflight.get(packetId);
        if (o == null || o.qos != 2) {
            sink.sendPubrel(packetId);
            return;
        }
        if (o.pubrelSent) {
            sink.sendPubrel(packetId);
            return;
        }
        o.pubrelSent = true;
        if (o.durable()) {
            sink.durablePubrecThenPubrel(o.seq, packetId);
        } else {
            sink.sendPubrel(packetId);
        }
    }

    /** PUBCOMP: the QoS 2 exchange is complete and the packet id is free. */
    public void onPubcomp(int packetId) {
        Outgoing o = inflight.get(packetId);
        if (o == null || o.qos != 2) {
            return;
        }
        inflight.remove(packetId);
        if (o.durable()) {
            sink.durableDone(o.seq);
        }
        pump();
    }

    /**
     * The connection is gone: everything still here is handed back. Durable messages stay in the store and
     * are resent by the next connection; memory messages of a shared subscription can go to another member.
     */
    public List<Outgoing> abandon() {
        List<Outgoing> left = new ArrayList<>(inflight.size() + pending.size());
        left.addAll(inflight.values());
        left.addAll(pending);
        inflight.clear();
        pending.clear();
        sizes();
        return left;
    }

    /** Memory messages: the next id after the last one, skipping ids in flight. */
    private int nextMemoryId() {
        int id = lastMemoryId;
        for (int i = 0; i < 65_535; i++) {
            id = id % 65_535 + 1;
            if (!inflight.containsKey(id)) {
                lastMemoryId = id;
                return id;
            }
        }
        return -1; // cannot happen: the window is far smaller than the id space
    }

    /** For tests and diagnostics: ids currently in flight, in send order. */
    public List<Integer> inflightIds() {
        return new ArrayList<>(inflight.keySet());
    }

    /** Removes pending (not yet sent) memory messages matching a shared group, for redistribution. */
    public List<Outgoing> takePendingShared() {
        List<Outgoing> out = new ArrayList<>();
        Iterator<Outgoing> it = pending.iterator();
        while (it.hasNext()) {
            Outgoing o = it.next();
            if (o.shareGroup != null && !o.durable()) {
                it.remove();
                out.add(o);
            }
        }
        return out;
    }
}
