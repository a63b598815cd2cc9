package io.mqttcluster.cluster.session;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import io.mqttcluster.cluster.serial.SerializationIds;

import java.io.IOException;
import java.util.Map;

/**
 * Several QoS 2 PUBLISH packets of a persistent session's client, in the order they came: each packet id is
 * recorded or looked up as by {@link Qos2Receive}. Result: three longs per packet ({@code state, id high, id
 * low}), or {@code {FENCED}} when the connection of {@code epoch} is no longer the session's.
 */
public final class Qos2ReceiveBatch extends SessionOp<long[]> {
    private long epoch;
    private int[] packetIds;
    private long[] ids;

    public Qos2ReceiveBatch() {
    }

    /** @param ids the message id each packet gets if it is new: high, low, high, low... */
    public Qos2ReceiveBatch(long epoch, int[] packetIds, long[] ids) {
        this.epoch = epoch;
        this.packetIds = packetIds;
        this.ids = ids;
    }

    @Override
    public long[] process(Map.Entry<String, SessionRecord> entry) {
        SessionRecord rec = entry.getValue();
        if (rec == null || rec.epoch != epoch || !rec.persistent()) {
            return new long[]{Qos2Receive.FENCED};
        }
        long[] out = new long[3 * packetIds.length];
        boolean changed = false;
        for (int i = 0; i < packetIds.length; i++) {
            long[] r = rec.inbound().receive(packetIds[i], ids[2 * i], ids[2 * i + 1]);
            changed |= r[0] == Qos2Receive.NEW;
            System.arraycopy(r, 0, out, 3 * i, 3);
        }
        if (changed) {
            entry.setValue(rec.changed());
        }
        return out;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeLong(epoch);
        out.writeIntArray(packetIds);
        out.writeLongArray(ids);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        epoch = in.readLong();
        packetIds = in.readIntArray();
        ids = in.readLongArray();
    }

    @Override
    public int getClassId() {
        return SerializationIds.QOS2_RECEIVE_BATCH;
    }
}
