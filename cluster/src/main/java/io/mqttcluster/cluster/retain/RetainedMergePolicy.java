package io.mqttcluster.cluster.retain;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import com.hazelcast.spi.merge.MergingValue;
import com.hazelcast.spi.merge.SplitBrainMergePolicy;
import io.mqttcluster.cluster.message.Message;
import io.mqttcluster.cluster.serial.SerializationIds;

/**
 * When a split brain heals, the retained message of a topic is the one published last (by the time the
 * broker took it in), whichever side it was published on.
 */
public final class RetainedMergePolicy
        implements SplitBrainMergePolicy<Object, MergingValue<Object>, Object>, IdentifiedDataSerializable {

    public RetainedMergePolicy() {
    }

    @Override
    public Object merge(MergingValue<Object> merging, MergingValue<Object> existing) {
        Message m = merging == null ? null : (Message) merging.getDeserializedValue();
        Message e = existing == null ? null : (Message) existing.getDeserializedValue();
        if (e == null) {
            return m;
        }
        if (m == null) {
            return e;
        }
        return m.createdAtMillis() > e.createdAtMillis() ? m : e;
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
        return SerializationIds.RETAINED_MERGE_POLICY;
    }
}
