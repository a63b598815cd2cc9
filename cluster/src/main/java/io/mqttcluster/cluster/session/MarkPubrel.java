package io.mqttcluster.cluster.session;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import io.mqttcluster.cluster.serial.SerializationIds;

import java.io.IOException;
import java.util.Map;

/**
 * The client answered a queued QoS 2 message with PUBREC: remember that before PUBREL is sent, so a node
 * that takes over resends PUBREL (the client has the message) rather than the PUBLISH. A fact about the
 * client, so not fenced by epoch (see {@link Ack}).
 */
public final class MarkPubrel extends SessionOp<Object> {
    private long seq;

    public MarkPubrel() {
    }

    public MarkPubrel(long seq) {
        this.seq = seq;
    }

    @Override
    public Object process(Map.Entry<String, SessionRecord> entry) {
        SessionRecord rec = entry.getValue();
        if (rec != null && rec.queue != null && rec.queue.markPubrel(seq)) {
            entry.setValue(rec.changed());
        }
        return null;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeLong(seq);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        seq = in.readLong();
    }

    @Override
    public int getClassId() {
        return SerializationIds.MARK_PUBREL;
    }
}
