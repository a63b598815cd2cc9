package io.mqttcluster.cluster.session;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * QoS 2 messages a persistent session's client sent and has not released yet (MQTT 3.1.1 4.3.3): per
 * packet id, the message id given to it and whether it was routed. Part of a {@link SessionRecord}, so it
 * moves with the session to whichever node the client reconnects to, and survives the node it was on.
 *
 * <p>A packet id is first <b>recorded</b> (before the message goes anywhere, so a re-send after a crash
 * gets the same message id and the queues recognise their copy), then <b>routed</b> (every copy stored
 * and every node that takes one has it; only then is PUBREC sent). A re-send of a routed packet id gets
 * PUBREC and nothing else [MQTT-4.3.3-2]; a re-send of a recorded one is routed again under the same id.
 * PUBREL releases the id.
 */
final class InboundQos2 {

    static final int NEW = 0;
    static final int RECORDED = 1;
    static final int ROUTED = 2;

    /** packet id -> {message id high, message id low, state} */
    private final Map<Integer, long[]> ids = new HashMap<>(4);

    /** Records a packet id unless known; returns {state before, id high, id low} (for NEW: the given id). */
    long[] receive(int packetId, long idHigh, long idLow) {
        long[] known = ids.get(packetId);
        if (known != null) {
            return new long[]{known[2], known[0], known[1]};
        }
        ids.put(packetId, new long[]{idHigh, idLow, RECORDED});
        return new long[]{NEW, idHigh, idLow};
    }

    /** True when the packet id is known and was not routed before. */
    boolean routed(int packetId) {
        long[] known = ids.get(packetId);
        if (known == null || known[2] == ROUTED) {
            return false;
        }
        known[2] = ROUTED;
        return true;
    }

    boolean release(int packetId) {
        return ids.remove(packetId) != null;
    }

    boolean isEmpty() {
        return ids.isEmpty();
    }

    int size() {
        return ids.size();
    }

    void writeTo(DataOutput out) throws IOException {
        out.writeInt(ids.size());
        for (Map.Entry<Integer, long[]> e : ids.entrySet()) {
            out.writeShort(e.getKey());
            out.writeLong(e.getValue()[0]);
            out.writeLong(e.getValue()[1]);
            out.writeByte((int) e.getValue()[2]);
        }
    }

    static InboundQos2 readFrom(DataInput in) throws IOException {
        InboundQos2 q = new InboundQos2();
        int n = in.readInt();
        for (int i = 0; i < n; i++) {
            int packetId = in.readUnsignedShort();
            q.ids.put(packetId, new long[]{in.readLong(), in.readLong(), in.readByte()});
        }
        return q;
    }

    /** Version 1 records knew no routed state: a recorded id may have been routed, so re-routing it is the safe side. */
    static InboundQos2 readVersion1(DataInput in) throws IOException {
        InboundQos2 q = new InboundQos2();
        int n = in.readInt();
        for (int i = 0; i < n; i++) {
            q.ids.put(in.readInt(), new long[]{in.readLong(), in.readLong(), RECORDED});
        }
        return q;
    }
}
