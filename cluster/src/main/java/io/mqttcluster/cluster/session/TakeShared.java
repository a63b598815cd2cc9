package io.mqttcluster.cluster.session;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import io.mqttcluster.cluster.serial.SerializationIds;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An offline persistent session's unfinished shared-subscription messages leave its queue, to go to
 * another member of their group. Only while the session is offline at the given epoch.
 */
public final class TakeShared extends SessionOp<List<QueuedMessage>> {
    private long epoch;

    public TakeShared() {
    }

    public TakeShared(long epoch) {
        this.epoch = epoch;
    }

    @Override
    public List<QueuedMessage> process(Map.Entry<String, SessionRecord> entry) {
        SessionRecord rec = entry.getValue();
        if (rec == null || rec.owner != null || rec.epoch != epoch || rec.queue == null) {
            return new ArrayList<>();
        }
        List<QueuedMessage> taken = rec.queue.takeShared();
        if (!taken.isEmpty()) {
            entry.setValue(rec);
        }
        return taken;
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
        return SerializationIds.TAKE_SHARED;
    }
}
