package io.mqttcluster.cluster.session;

import com.hazelcast.spi.merge.MergingValue;
import com.hazelcast.spi.merge.SplitBrainMergePolicy;
import io.mqttcluster.cluster.serial.SerializationIds;
import io.mqttcluster.cluster.serial.Stateless;

/**
 * When a split brain heals, a client id's session is the copy that changed more often ({@link SessionRecord#changes()}),
 * the one already in the surviving cluster on a tie.
 *
 * <p>Why not "the cluster that is merged into wins": Hazelcast merges the smaller cluster into the larger one by
 * its own view of the members, and a member that was paused (SIGSTOP, a long GC, a frozen VM) past its heartbeat
 * timeout wakes up believing it still leads the old cluster. The others may then join it, and its copies are
 * those of before the pause, while the members that kept working changed theirs (queued, acknowledged, took over).
 * Only a side with quorum changes a record, so the side that kept working has the higher count; a session
 * created afresh on the surviving side while the merge was still running has a count of one and gives way.
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

    /** The rule: more changes wins, the existing copy on a tie. */
    static SessionRecord choose(SessionRecord merging, SessionRecord existing) {
        if (existing == null) {
            return merging;
        }
        if (merging == null) {
            return existing;
        }
        return merging.changes > existing.changes ? merging : existing;
    }
}
