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
 * With a {@link SharedHandover} the messages it got through shared groups that another member may get
 * instead leave its queue in the same step ({@link SessionQueue#takeShared}).
 */
public final class Release extends SessionOp<ReleaseResult> {
    private String node;
    private long epoch;
    private boolean abnormal;
    private SharedHandover handover;
    private long nowMillis;
    /** A session expiry interval set by the client's DISCONNECT (MQTT 5), or -1. */
    private long newExpirySeconds = -1;

    public Release() {
    }

    public Release(String node, long epoch, boolean abnormal, SharedHandover handover, long nowMillis) {
        this(node, epoch, abnormal, handover, nowMillis, -1);
    }

    public Release(String node, long epoch, boolean abnormal, SharedHandover handover, long nowMillis, long newExpirySeconds) {
        this.newExpirySeconds = newExpirySeconds;
        this.node = node;
        this.epoch = epoch;
        this.abnormal = abnormal;
        this.handover = handover;
        this.nowMillis = nowMillis;
    }

    @Override
    public ReleaseResult process(Map.Entry<String, SessionRecord> entry) {
        SessionRecord rec = entry.getValue();
        ReleaseResult result = new ReleaseResult(entry.getKey());
        if (rec == null || !node.equals(rec.owner) || rec.epoch != epoch) {
            return result;
        }
        apply(entry, rec, abnormal, handover, nowMillis, newExpirySeconds, result);
        return result;
    }

    static void apply(Map.Entry<String, SessionRecord> entry, SessionRecord rec, boolean abnormal, SharedHandover handover,
                      long nowMillis, ReleaseResult result) {
        apply(entry, rec, abnormal, handover, nowMillis, -1, result);
    }

    static void apply(Map.Entry<String, SessionRecord> entry, SessionRecord rec, boolean abnormal, SharedHandover handover,
                      long nowMillis, long newExpirySeconds, ReleaseResult result) {
        boolean keep = rec.release(abnormal, nowMillis, newExpirySeconds, result);
        if (keep && handover != null && rec.queue != null) {
            result.sharedCopies.addAll(rec.queue.takeShared(handover.handedUpTo(), handover.neverSent()));
        }
        entry.setValue(keep ? rec.changed() : null);
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        Wire.writeString(out, node);
        out.writeLong(epoch);
        out.writeBoolean(abnormal);
        out.writeBoolean(handover != null);
        if (handover != null) {
            out.writeLong(handover.handedUpTo());
            out.writeLongArray(handover.neverSent());
        }
        out.writeLong(nowMillis);
        out.writeLong(newExpirySeconds);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        node = Wire.readString(in);
        epoch = in.readLong();
        abnormal = in.readBoolean();
        handover = in.readBoolean() ? new SharedHandover(in.readLong(), in.readLongArray()) : null;
        nowMillis = in.readLong();
        newExpirySeconds = in.readLong();
    }

    @Override
    public int getClassId() {
        return SerializationIds.RELEASE;
    }
}
