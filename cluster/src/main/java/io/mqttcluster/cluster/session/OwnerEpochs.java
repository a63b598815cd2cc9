package io.mqttcluster.cluster.session;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import com.hazelcast.projection.Projection;
import io.mqttcluster.cluster.serial.SerializationIds;

import java.util.Map;

/** Projects a session to "client id NUL connection epoch", so a scan returns no queues. */
public final class OwnerEpochs implements Projection<Map.Entry<String, SessionRecord>, String>, IdentifiedDataSerializable {

    public OwnerEpochs() {
    }

    @Override
    public String transform(Map.Entry<String, SessionRecord> entry) {
        return entry.getKey() + '\0' + entry.getValue().epoch;
    }

    @Override
    public void writeData(ObjectDataOutput out) {
    }

    @Override
    public void readData(ObjectDataInput in) {
    }

    @Override
    public int getFactoryId() {
        return SerializationIds.FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return SerializationIds.OWNER_EPOCHS;
    }
}
