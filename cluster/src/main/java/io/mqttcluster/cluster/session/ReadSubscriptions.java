package io.mqttcluster.cluster.session;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import io.mqttcluster.cluster.serial.SerializationIds;
import io.mqttcluster.cluster.serial.Wire;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads a session's incarnation and subscription filters (not its queue): what the reconciliation of the
 * cluster-wide subscription entries compares them with. Read-only: no backup. Result: the session uid as a
 * string, then the filters; null when there is no session.
 */
public final class ReadSubscriptions extends SessionOp<List<String>> {

    public ReadSubscriptions() {
    }

    @Override
    public List<String> process(Map.Entry<String, SessionRecord> entry) {
        SessionRecord rec = entry.getValue();
        if (rec == null) {
            return null;
        }
        List<String> out = new ArrayList<>(rec.subscriptions().size() + 1);
        out.add(Long.toString(rec.sessionUid));
        out.addAll(rec.subscriptions().keySet());
        return out;
    }

    @Override
    public EntryProcessor<String, SessionRecord, List<String>> getBackupProcessor() {
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
        return SerializationIds.READ_SUBSCRIPTIONS;
    }
}
