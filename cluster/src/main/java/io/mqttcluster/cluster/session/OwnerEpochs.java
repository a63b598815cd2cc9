package io.mqttcluster.cluster.session;

import com.hazelcast.projection.Projection;
import io.mqttcluster.cluster.serial.SerializationIds;
import io.mqttcluster.cluster.serial.Stateless;

import java.util.Map;

/** Projects a session to "client id NUL connection epoch", so a scan returns no queues. */
public final class OwnerEpochs extends Stateless implements Projection<Map.Entry<String, SessionRecord>, String> {

    public OwnerEpochs() {
        super(SerializationIds.OWNER_EPOCHS);
    }

    @Override
    public String transform(Map.Entry<String, SessionRecord> entry) {
        return entry.getKey() + '\0' + entry.getValue().epoch;
    }
}
