package io.mqttcluster.cluster.session;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import io.mqttcluster.cluster.serial.SerializationIds;
import io.mqttcluster.cluster.serial.Wire;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * SUBSCRIBE / UNSUBSCRIBE of a persistent session by the connection of one epoch. Returns false (and
 * changes nothing) when that connection is no longer the session's: the caller then leaves the cluster-wide
 * subscription entries alone.
 */
public final class UpdateSubscriptions extends SessionOp<Boolean> {
    private long epoch;
    private Map<String, SubOptions> added;
    private List<String> removed;

    public UpdateSubscriptions() {
    }

    public UpdateSubscriptions(long epoch, Map<String, SubOptions> added, List<String> removed) {
        this.epoch = epoch;
        this.added = added;
        this.removed = removed;
    }

    @Override
    public Boolean process(Map.Entry<String, SessionRecord> entry) {
        SessionRecord rec = entry.getValue();
        if (rec == null || !rec.updateSubscriptions(epoch, added, removed)) {
            return false;
        }
        entry.setValue(rec.changed());
        return true;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeLong(epoch);
        out.writeInt(added.size());
        for (Map.Entry<String, SubOptions> e : added.entrySet()) {
            Wire.writeString(out, e.getKey());
            e.getValue().writeTo(out);
        }
        Wire.writeStrings(out, removed);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        epoch = in.readLong();
        int n = in.readInt();
        added = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            added.put(Wire.readString(in), SubOptions.readFrom(in));
        }
        removed = Wire.readStringList(in);
    }

    @Override
    public int getClassId() {
        return SerializationIds.UPDATE_SUBSCRIPTIONS;
    }
}
