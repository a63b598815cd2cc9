package io.mqttcluster.cluster.session;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import io.mqttcluster.cluster.serial.SerializationIds;

import java.util.Map;

/**
 * An operator deletes an offline session ({@link SessionRecord#delete}): the record and queue go, and the result
 * names what the caller removes elsewhere, as after an expiry ({@link Expire}) but without a will. Null when
 * there is no session; not {@code expired()} when a connection holds it (a client reconnected meanwhile).
 */
public final class DeleteSession extends SessionOp<ExpireResult> {

    public DeleteSession() {
    }

    @Override
    public ExpireResult process(Map.Entry<String, SessionRecord> entry) {
        SessionRecord rec = entry.getValue();
        if (rec == null) {
            return null;
        }
        ExpireResult result = new ExpireResult();
        if (rec.delete(result)) {
            entry.setValue(null);
        }
        return result;
    }

    @Override
    public void writeData(ObjectDataOutput out) {
    }

    @Override
    public void readData(ObjectDataInput in) {
    }

    @Override
    public int getClassId() {
        return SerializationIds.DELETE_SESSION;
    }
}
