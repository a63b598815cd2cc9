package io.mqttcluster.cluster.session;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import io.mqttcluster.cluster.serial.SerializationIds;

import java.io.IOException;
import java.util.Map;

/**
 * A connection reads its session's queue: when it resumes (once the previous connection is closed, so its
 * last acknowledgements are in), and when it noticed a gap in what it was told. Every message read is
 * marked as maybe sent, so a later resend of it carries DUP=1 [MQTT-4.4.0-1]. Returns null when a newer
 * connection has claimed the session meanwhile.
 */
public final class Snapshot extends SessionOp<SnapshotResult> {
    private long epoch;

    public Snapshot() {
    }

    public Snapshot(long epoch) {
        this.epoch = epoch;
    }

    @Override
    public SnapshotResult process(Map.Entry<String, SessionRecord> entry) {
        SessionRecord rec = entry.getValue();
        if (rec == null || rec.epoch != epoch) {
            return null;
        }
        SnapshotResult result = new SnapshotResult();
        if (rec.queue == null) {
            result.nextSeq = 1;
            return result;
        }
        // the flags as they were: a message never sent before goes out with DUP=0 this time
        result.queue.addAll(rec.queue.copy());
        result.nextSeq = rec.queue.nextSeq;
        if (rec.queue.markAllMaybeSent()) {
            entry.setValue(rec.changed());
        }
        return result;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeLong(epoch);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        epoch = in.readLong();
    }

    @Override
    public int getClassId() {
        return SerializationIds.SNAPSHOT;
    }
}
