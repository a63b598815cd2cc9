package io.mqttcluster.cluster.session;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import io.mqttcluster.cluster.serial.SerializationIds;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** A session's queue as a connection reads it: the messages in order, and the next sequence number. */
public final class SnapshotResult implements IdentifiedDataSerializable {
    final List<QueuedMessage> queue = new ArrayList<>();
    long nextSeq;

    public SnapshotResult() {
    }

    public List<QueuedMessage> queue() {
        return queue;
    }

    /** Every message queued after this read has this sequence number or a higher one. */
    public long nextSeq() {
        return nextSeq;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeLong(nextSeq);
        out.writeInt(queue.size());
        for (QueuedMessage q : queue) {
            q.writeTo(out);
        }
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        nextSeq = in.readLong();
        int n = in.readInt();
        for (int i = 0; i < n; i++) {
            queue.add(QueuedMessage.readFrom(in));
        }
    }

    @Override
    public int getFactoryId() {
        return SerializationIds.FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return SerializationIds.SNAPSHOT_RESULT;
    }
}
