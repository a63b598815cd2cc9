package io.mqttcluster.cluster.session;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import io.mqttcluster.cluster.ClusterSerialization;
import io.mqttcluster.cluster.message.Message;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything the cluster keeps about one client id: who holds its connection, its will, and, for a
 * persistent session, its subscriptions, its queue of QoS 1/2 messages and its QoS 2 receive state.
 *
 * <p>It is the value of the sessions map. It lives in one Hazelcast partition (the client id's) with a
 * synchronous backup, and it is changed only by entry processors ({@link SessionProcessors}), which run
 * one at a time per key on the partition's thread: taking the session over, queueing a message and
 * acknowledging one are atomic with respect to each other. That is what lets a new owner read the whole
 * queue and become the owner in one step, so a message is either in what it read or is sent to it later.
 *
 * <p>The map is kept in OBJECT in-memory format, so a processor changes the record in place instead of
 * deserialising and serialising the whole queue per message; the backup replica runs the same processor.
 */
public final class SessionRecord implements IdentifiedDataSerializable {

    private static final byte FORMAT_VERSION = 1;

    String clientId;
    /** Node id of the node holding the connection, or null when the client is offline. */
    String owner;
    /** Incremented by every claim; tells a current connection from an older one of the same client. */
    long epoch;
    /** Seconds the session outlives its connection: 0 ends it with the connection (clean session). */
    long expirySeconds;
    long disconnectedAtMillis;
    int protocolVersion;
    Message will;
    int willDelaySeconds;
    // created on first use: a clean session's record needs none of them
    LinkedHashMap<String, SubOptions> subscriptions;
    ArrayDeque<QueuedMessage> queue;
    long nextSeq = 1;
    /** QoS 2 messages received from this client and not yet released: packet id -> message id. */
    Map<Integer, long[]> inboundQos2;

    private static final ArrayDeque<QueuedMessage> NO_QUEUE = new ArrayDeque<>(0);

    LinkedHashMap<String, SubOptions> subs() {
        if (subscriptions == null) {
            subscriptions = new LinkedHashMap<>(4);
        }
        return subscriptions;
    }

    /** The queue for writing (created if needed). */
    ArrayDeque<QueuedMessage> q() {
        if (queue == null) {
            queue = new ArrayDeque<>(4);
        }
        return queue;
    }

    /** The queue for reading (never null; do not modify the empty one). */
    ArrayDeque<QueuedMessage> queueView() {
        return queue == null ? NO_QUEUE : queue;
    }

    Map<Integer, long[]> inbound() {
        if (inboundQos2 == null) {
            inboundQos2 = new HashMap<>(4);
        }
        return inboundQos2;
    }

    /** For deserialization only. */
    public SessionRecord() {
    }

    SessionRecord(String clientId) {
        this.clientId = clientId;
    }

    public String clientId() {
        return clientId;
    }

    public String owner() {
        return owner;
    }

    public long epoch() {
        return epoch;
    }

    public boolean persistent() {
        return expirySeconds > 0;
    }

    public long expirySeconds() {
        return expirySeconds;
    }

    public long disconnectedAtMillis() {
        return disconnectedAtMillis;
    }

    public Message will() {
        return will;
    }

    public int willDelaySeconds() {
        return willDelaySeconds;
    }

    public Map<String, SubOptions> subscriptions() {
        return subscriptions == null ? Map.of() : subscriptions;
    }

    public int queueSize() {
        return queue == null ? 0 : queue.size();
    }

    public Iterable<QueuedMessage> queue() {
        return queueView();
    }

    QueuedMessage findBySeq(long seq) {
        for (QueuedMessage q : queueView()) {
            if (q.seq() == seq) {
                return q;
            }
        }
        return null;
    }

    boolean removeSeq(long seq) {
        if (queue == null) {
            return false;
        }
        Iterator<QueuedMessage> it = queue.iterator();
        while (it.hasNext()) {
            if (it.next().seq() == seq) {
                it.remove();
                return true;
            }
        }
        return false;
    }

    boolean replace(QueuedMessage updated) {
        // rebuild in place keeping order; queues are short and this is rare (QoS 2 PUBREC only)
        boolean found = false;
        if (queue == null) {
            return false;
        }
        int n = queue.size();
        for (int i = 0; i < n; i++) {
            QueuedMessage q = queue.pollFirst();
            if (q.seq() == updated.seq()) {
                q = updated;
                found = true;
            }
            queue.addLast(q);
        }
        return found;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeByte(FORMAT_VERSION);
        Message.writeString(out, clientId);
        Message.writeString(out, owner);
        out.writeLong(epoch);
        out.writeLong(expirySeconds);
        out.writeLong(disconnectedAtMillis);
        out.writeByte(protocolVersion);
        out.writeBoolean(will != null);
        if (will != null) {
            will.writeTo(out);
        }
        out.writeInt(willDelaySeconds);
        out.writeInt(subscriptions().size());
        for (Map.Entry<String, SubOptions> e : subscriptions().entrySet()) {
            Message.writeString(out, e.getKey());
            e.getValue().writeTo(out);
        }
        out.writeLong(nextSeq);
        out.writeInt(queueSize());
        for (QueuedMessage q : queueView()) {
            q.writeTo(out);
        }
        Map<Integer, long[]> inbound = inboundQos2 == null ? Map.of() : inboundQos2;
        out.writeInt(inbound.size());
        for (Map.Entry<Integer, long[]> e : inbound.entrySet()) {
            out.writeInt(e.getKey());
            out.writeLong(e.getValue()[0]);
            out.writeLong(e.getValue()[1]);
        }
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        byte version = in.readByte();
        if (version != FORMAT_VERSION) {
            throw new IOException("unknown session record format version " + version);
        }
        clientId = Message.readString(in);
        owner = Message.readString(in);
        epoch = in.readLong();
        expirySeconds = in.readLong();
        disconnectedAtMillis = in.readLong();
        protocolVersion = in.readByte();
        will = in.readBoolean() ? Message.readFrom(in) : null;
        willDelaySeconds = in.readInt();
        int subs = in.readInt();
        for (int i = 0; i < subs; i++) {
            subs().put(Message.readString(in), SubOptions.readFrom(in));
        }
        nextSeq = in.readLong();
        int queued = in.readInt();
        for (int i = 0; i < queued; i++) {
            q().addLast(QueuedMessage.readFrom(in));
        }
        int inbound = in.readInt();
        for (int i = 0; i < inbound; i++) {
            inbound().put(in.readInt(), new long[]{in.readLong(), in.readLong()});
        }
    }

    @Override
    public int getFactoryId() {
        return ClusterSerialization.FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return ClusterSerialization.SESSION_RECORD;
    }

    @Override
    public String toString() {
        return "SessionRecord{clientId=" + clientId + ", owner=" + owner + ", epoch=" + epoch
                + ", expirySeconds=" + expirySeconds + ", subscriptions=" + subscriptions().size()
                + ", queued=" + queueSize() + "}";
    }
}
