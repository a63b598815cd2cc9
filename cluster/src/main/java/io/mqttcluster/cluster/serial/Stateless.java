package io.mqttcluster.cluster.serial;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;

/** A serialisable type without fields (merge policies, projections): only its class id goes over the wire. */
public abstract class Stateless implements IdentifiedDataSerializable {

    private final int classId;

    protected Stateless(int classId) {
        this.classId = classId;
    }

    @Override
    public final void writeData(ObjectDataOutput out) {
    }

    @Override
    public final void readData(ObjectDataInput in) {
    }

    @Override
    public final int getFactoryId() {
        return SerializationIds.FACTORY_ID;
    }

    @Override
    public final int getClassId() {
        return classId;
    }
}
