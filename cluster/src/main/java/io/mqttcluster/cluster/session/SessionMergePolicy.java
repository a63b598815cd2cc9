package io.mqttcluster.cluster.session;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import com.hazelcast.spi.merge.SplitBrainMergePolicy;
import com.hazelcast.spi.merge.MergingValue;
import io.mqttcluster.cluster.serial.SerializationIds;

/**
 * How two versions of one session meet when a split brain heals: nothing either side queued is dropped.
 *
 * <p>The side whose connection claimed the session last (higher epoch) is the base: its owner, will and
 * subscriptions stay. When both versions are the same incarnation of the session (same session uid), the
 * messages queued on the other side that the base does not hold (by message id) are added after the
 * base's own, with new sequence numbers, and QoS 2 packet ids the other side received and the base does
 * not know are kept. Two different incarnations (a clean start on one side) are not mixed: the newer wins.
 *
 * <p>With split-brain protection on, the side without a quorum refuses writes, so normally only one side
 * changed; this policy covers the seconds before a side notices it lost its quorum.
 */
public final class SessionMergePolicy
        implements SplitBrainMergePolicy<Object, MergingValue<Object>, Object>, IdentifiedDataSerializable {

    public SessionMergePolicy() {
    }

    @Override
    public Object merge(MergingValue<Object> merging, MergingValue<Object> existing) {
        SessionRecord m = merging == null ? null : (SessionRecord) merging.getDeserializedValue();
        SessionRecord e = existing == null ? null : (SessionRecord) existing.getDeserializedValue();
        return merge(m, e);
    }

    /** The rule, on plain records (either may be null). */
    static SessionRecord merge(SessionRecord merging, SessionRecord existing) {
        if (existing == null) {
            return merging;
        }
        if (merging == null) {
            return existing;
        }
        boolean mergingNewer = merging.epoch > existing.epoch;
        SessionRecord base = mergingNewer ? merging : existing;
        SessionRecord other = mergingNewer ? existing : merging;
        if (base.sessionUid != other.sessionUid) {
            return base;
        }
        if (other.queue != null) {
            base.queue().mergeFrom(other.queue);
        }
        if (other.inbound != null) {
            base.inbound().mergeFrom(other.inbound);
        }
        return base;
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
        return SerializationIds.SESSION_MERGE_POLICY;
    }
}
