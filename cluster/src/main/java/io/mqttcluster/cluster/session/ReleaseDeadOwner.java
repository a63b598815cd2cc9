package io.mqttcluster.cluster.session;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import io.mqttcluster.cluster.serial.SerializationIds;
import io.mqttcluster.cluster.serial.Wire;

import java.io.IOException;
import java.util.Map;
import java.util.Set;

/**
 * After nodes died: a session owned by a node that is not alive is released as if its connection dropped
 * (abnormal: its will is returned for publishing), and the messages it got through shared groups go back
 * to be given to other members. Atomic per session, so when two survivors run it, each session is
 * released once and its will returned once.
 */
public final class ReleaseDeadOwner extends SessionOp<ReleaseResult> {
    private Set<String> liveNodes;
    private long nowMillis;

    public ReleaseDeadOwner() {
    }

    public ReleaseDeadOwner(Set<String> liveNodes, long nowMillis) {
        this.liveNodes = liveNodes;
        this.nowMillis = nowMillis;
    }

    @Override
    public ReleaseResult process(Map.Entry<String, SessionRecord> entry) {
        SessionRecord rec = entry.getValue();
        if (rec == null || rec.owner == null || liveNodes.contains(rec.owner)) {
            return null;
        }
        ReleaseResult result = new ReleaseResult(entry.getKey());
        Release.apply(entry, rec, true, SharedHandover.UNKNOWN, nowMillis, result);
        return result;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        Wire.writeStrings(out, liveNodes);
        out.writeLong(nowMillis);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        liveNodes = Wire.readStringSet(in);
        nowMillis = in.readLong();
    }

    @Override
    public int getClassId() {
        return SerializationIds.RELEASE_DEAD_OWNER;
    }
}
