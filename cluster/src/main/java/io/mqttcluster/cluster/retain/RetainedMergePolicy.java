package io.mqttcluster.cluster.retain;

import com.hazelcast.spi.merge.MergingValue;
import com.hazelcast.spi.merge.SplitBrainMergePolicy;
import io.mqttcluster.cluster.message.Message;
import io.mqttcluster.cluster.serial.SerializationIds;
import io.mqttcluster.cluster.serial.Stateless;

/**
 * When a split brain heals, the retained message of a topic is the one published last (by the time the
 * broker took it in), whichever side it was published on.
 */
public final class RetainedMergePolicy extends Stateless
        implements SplitBrainMergePolicy<Object, MergingValue<Object>, Object> {

    public RetainedMergePolicy() {
        super(SerializationIds.RETAINED_MERGE_POLICY);
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
}
