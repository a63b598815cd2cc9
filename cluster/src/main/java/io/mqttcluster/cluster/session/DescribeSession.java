package io.mqttcluster.cluster.session;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import io.mqttcluster.cluster.serial.SerializationIds;

import java.util.Map;

/**
 * Reads the detailed {@link SessionView} of one session on its partition, so the queue never leaves the member
 * that holds it. Read-only: no backup. Null when there is no session.
 */
public final class DescribeSession extends SessionOp<SessionView> {

    public DescribeSession() {
    }

    @Override
    public SessionView process(Map.Entry<String, SessionRecord> entry) {
        SessionRecord rec = entry.getValue();
        return rec == null ? null : SessionView.of(rec, true);
    }

    @Override
    public EntryProcessor<String, SessionRecord, SessionView> getBackupProcessor() {
        return null;
    }

    @Override
    public void writeData(ObjectDataOutput out) {
    }

    @Override
    public void readData(ObjectDataInput in) {
    }

    @Override
    public int getClassId() {
        return SerializationIds.DESCRIBE_SESSION;
    }
}
