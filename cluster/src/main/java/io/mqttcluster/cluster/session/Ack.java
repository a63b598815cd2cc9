package io.mqttcluster.cluster.session;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import io.mqttcluster.cluster.serial.SerializationIds;

import java.io.IOException;
import java.util.Map;

/**
 * The client acknowledged messages (PUBACK, PUBCOMP): they leave the queue. Not fenced by epoch: an
 * acknowledgement is a fact about the client, true whichever connection carried it, and sequence numbers
 * are never reused; refusing it would make the next connection send again what the client completed.
 */
public final class Ack extends SessionOp<Object> {
    private long[] seqs;

    public Ack() {
    }

    public Ack(long[] seqs) {
        this.seqs = seqs;
    }

    @Override
    public Object process(Map.Entry<String, SessionRecord> entry) {
        SessionRecord rec = entry.getValue();
        if (rec != null && rec.queue != null && rec.queue.ack(seqs)) {
            entry.setValue(rec.changed());
        }
        return null;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeLongArray(seqs);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        seqs = in.readLongArray();
    }

    @Override
    public int getClassId() {
        return SerializationIds.ACK;
    }
}
