package io.mqttcluster.cluster.session;

import com.hazelcast.spi.merge.MergingValue;
import com.hazelcast.spi.merge.SplitBrainMergePolicy;
import io.mqttcluster.cluster.serial.SerializationIds;
import io.mqttcluster.cluster.serial.Stateless;

/**
 * When a split brain heals, a client id's session is the copy that changed last ({@link SessionRecord#updatedAtMillis()}),
 * then the one that changed more often, then the one already in the surviving cluster.
 *
 * <p>Why not "the cluster that is merged into wins": Hazelcast merges the smaller cluster into the larger one by
 * its own view of the members, and a member that was paused (SIGSTOP, a long GC, a frozen VM) past its heartbeat
 * timeout wakes up believing it still leads the old cluster; the others may then join it, and its copies are those
 * of before the pause. Why not "the copy that changed more often" (what this policy did first): in a partial
 * partition the primary of a session's partition keeps applying writes its backup across the cut never confirms
 * (they are indeterminate; the publisher gets no acknowledgement and sends again elsewhere), for the seconds
 * Hazelcast takes to remove a member; that copy can count more changes than the one the surviving members went on
 * changing, and winning the merge it erased every message they acknowledged meanwhile (fault harness seed 105).
 * The side that goes on working is the side that changes a record last: a fenced node (paused, or without quorum)
 * writes nothing more ({@code Broker#fenced}), so its copies keep the time of before the fault.
 */
public final class SessionMergePolicy extends Stateless
        implements SplitBrainMergePolicy<Object, MergingValue<Object>, Object> {

    public SessionMergePolicy() {
        super(SerializationIds.SESSION_MERGE_POLICY);
    }

    @Override
    public Object merge(MergingValue<Object> merging, MergingValue<Object> existing) {
        SessionRecord m = merging == null ? null : (SessionRecord) merging.getDeserializedValue();
        SessionRecord e = existing == null ? null : (SessionRecord) existing.getDeserializedValue();
        return choose(m, e);
    }

    /** The rule: changed last wins, then more changes, then the existing copy. */
    static SessionRecord choose(SessionRecord merging, SessionRecord existing) {
        if (existing == null) {
            return merging;
        }
        if (merging == null) {
            return existing;
        }
        if (merging.updatedAtMillis != existing.updatedAtMillis) {
            return merging.updatedAtMillis > existing.updatedAtMillis ? merging : existing;
        }
        return merging.changes > existing.changes ? merging : existing;
    }
}
