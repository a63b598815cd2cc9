package io.mqttcluster.cluster.session;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import io.mqttcluster.cluster.serial.SerializationIds;

import java.io.IOException;
import java.util.Map;

/**
 * A QoS 2 PUBLISH from a persistent session's client: records its packet id with a message id, or
 * returns what is known of it ({@link InboundQos2#receive}). Result: {@code {state, id high, id low}} with
 * state {@link #NEW}, {@link #RECORDED} or {@link #ROUTED}, or {@code {FENCED}} when the connection of
 * {@code epoch} is no longer the session's.
 */
public final class Qos2Receive extends SessionOp<long[]> {
    public static final int FENCED = -1;
    public static final int NEW = InboundQos2.NEW;
    public static final int RECORDED = InboundQos2.RECORDED;
    public static final int ROUTED = InboundQos2.ROUTED;

    private long epoch;
    private int packetId;
    private long idHigh;
    private long idLow;

    public Qos2Receive() {
    }

    public Qos2Receive(long epoch, int packetId, long idHigh, long idLow) {
        this.epoch = epoch;
        this.packetId = packetId;
        this.idHigh = idHigh;
        this.idLow = idLow;
    }

    @Override
    public long[] process(Map.Entry<String, SessionRecord> entry) {
        SessionRecord rec = entry.getValue();
        if (rec == null || rec.epoch != epoch || !rec.persistent()) {
            return new long[]{FENCED};
        }
        long[] r = rec.inbound().receive(packetId, idHigh, idLow);
        if (r[0] == NEW) {
            entry.setValue(rec.changed());
        }
        return r;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeLong(epoch);
        out.writeShort(packetId);
        out.writeLong(idHigh);
        out.writeLong(idLow);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        epoch = in.readLong();
        packetId = in.readUnsignedShort();
        idHigh = in.readLong();
        idLow = in.readLong();
    }

    @Override
    public int getClassId() {
        return SerializationIds.QOS2_RECEIVE;
    }
}
