package io.mqttcluster.cluster.session;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import io.mqttcluster.cluster.serial.SerializationIds;
import io.mqttcluster.cluster.serial.Wire;

import java.io.IOException;
import java.util.Map;

/**
 * A connection ended ({@link SessionRecord#release}). Only the current owner (same node, same epoch)
 * changes anything: a connection that was taken over leaves the session alone and publishes no will.
 * With {@code takeShared} the messages it got through shared groups and did not finish leave its queue in
 * the same step, to go to other members.
 */
public final class Release extends SessionOp<ReleaseResult> {
    private String node;
    private long epoch;
    private boolean abnormal;
    private boolean takeShared;
    private long nowMillis;

    public Release() {
    }

    public Release(String node, long epoch, boolean abnormal, boolean takeShared, long nowMillis) {
        this.node = node;
        this.epoch = epoch;
        this.abnormal = abnormal;
        this.takeShared = takeShared;
        this.nowMillis = nowMillis;
    }

    @Override
    public ReleaseResult process(Map.Entry<String, SessionRecord> entry) {
        SessionRecord rec = entry.getValue();
        ReleaseResult result = new ReleaseResult(entry.getKey());
        if (rec == null || !node.equals(rec.owner) || rec.epoch != epoch) {
            return result;
        }
        apply(entry, rec, abnormal, takeShared, nowMillis, result);
        return result;
    }

    static void apply(Map.Entry<String, SessionRecord> entry, SessionRecord rec, boolean abnormal, boolean takeShared,
                      long nowMillis, ReleaseResult result) {
        boolean keep = rec.release(abnormal, nowMillis, result);
        if (keep && takeShared && rec.queue != null) {
            result.sharedCopies.addAll(rec.queue.takeShared());
        }
        entry.setValue(keep ? rec : null);
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        Wire.writeString(out, node);
        out.writeLong(epoch);
        out.writeBoolean(abnormal);
        out.writeBoolean(takeShared);
        out.writeLong(nowMillis);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        node = Wire.readString(in);
        epoch = in.readLong();
        abnormal = in.readBoolean();
        takeShared = in.readBoolean();
        nowMillis = in.readLong();
    }

    @Override
    public int getClassId() {
        return SerializationIds.RELEASE;
    }
}
