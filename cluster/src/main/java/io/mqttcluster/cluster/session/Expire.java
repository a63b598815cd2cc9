package io.mqttcluster.cluster.session;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import io.mqttcluster.cluster.serial.SerializationIds;

import java.io.IOException;
import java.util.Map;

/**
 * The expiry sweep on one offline session ({@link SessionRecord#expire}): a delayed will that is due comes
 * out; an expired session is removed and what the caller must clean up elsewhere is returned. Checks again
 * under the partition's lock, so a client that reconnected meanwhile keeps its session.
 */
public final class Expire extends SessionOp<ExpireResult> {
    private long nowMillis;

    public Expire() {
    }

    public Expire(long nowMillis) {
        this.nowMillis = nowMillis;
    }

    @Override
    public ExpireResult process(Map.Entry<String, SessionRecord> entry) {
        SessionRecord rec = entry.getValue();
        ExpireResult result = new ExpireResult();
        if (rec == null || !rec.due(nowMillis)) {
            return result;
        }
        entry.setValue(rec.expire(nowMillis, result) ? rec.changed() : null);
        return result;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeLong(nowMillis);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        nowMillis = in.readLong();
    }

    @Override
    public int getClassId() {
        return SerializationIds.EXPIRE;
    }
}
