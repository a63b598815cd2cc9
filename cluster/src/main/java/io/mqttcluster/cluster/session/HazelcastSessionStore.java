package io.mqttcluster.cluster.session;

import com.hazelcast.aggregation.Aggregators;
import com.hazelcast.map.IMap;
import com.hazelcast.partition.PartitionService;
import io.mqttcluster.cluster.message.Message;
import io.mqttcluster.cluster.util.Stages;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The session table in a Hazelcast map (the sessions map: OBJECT format, synchronous backups, split-brain
 * protection; see {@code ClusterNode}). Every call is one entry processor on the client id's partition.
 */
public final class HazelcastSessionStore extends RuleSessionStore {

    public static final String MAP_NAME = "mqtt.sessions";

    private final IMap<String, SessionRecord> map;
    private final PartitionService partitions;
    /** Partition of a client id: fixed for the cluster's life, and costly to compute (serialise + hash). */
    private final Map<String, Integer> partitionOf = new ConcurrentHashMap<>();

    public HazelcastSessionStore(IMap<String, SessionRecord> map, PartitionService partitions) {
        this.map = map;
        this.partitions = partitions;
    }




    /**
     * The sessions are grouped by partition and by the way they get the message (QoS, group, ids): one
     * operation per group and partition, each carrying a small processor and only its own keys.
     * (Hazelcast's multi-key call hands every partition the whole key set, which costs partitions x keys for
     * a message that many sessions subscribe to.)
     */
    @Override
    public CompletionStage<Map<String, AppendResult>> append(Message message, Map<String, Target> targets, QueueLimits limits,
                                                             boolean mayBeDuplicate) {
        if (targets.size() == 1) {
            Map.Entry<String, Target> only = targets.entrySet().iterator().next();
            return call(only.getKey(), new Append(message, only.getValue(), limits, mayBeDuplicate)).thenApply(r -> {
                Map<String, AppendResult> m = new HashMap<>(2);
                if (r != null) {
                    m.put(only.getKey(), r);
                }
                return m;
            });
        }
        Map<Object, Map.Entry<Target, Set<String>>> calls = new HashMap<>();
        for (Map.Entry<String, Target> e : targets.entrySet()) {
            int partition;
            try {
                partition = partitionOf(e.getKey());
            } catch (RuntimeException notActive) {
                return CompletableFuture.failedStage(notActive);
            }
            calls.computeIfAbsent(List.of(partition, e.getValue().groupKey()),
                    k -> Map.entry(e.getValue(), new HashSet<>(4))).getValue().add(e.getKey());
        }
        List<CompletableFuture<Map<String, AppendResult>>> pending = new ArrayList<>(calls.size());
        for (Map.Entry<Target, Set<String>> call : calls.values()) {
            Append processor = new Append(message, call.getKey(), limits, mayBeDuplicate);
            pending.add(Stages.safe(() -> map.submitToKeys(call.getValue(), processor)).toCompletableFuture());
        }
        return CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).thenApply(v -> {
            Map<String, AppendResult> all = new HashMap<>(targets.size() * 2);
            pending.forEach(c -> all.putAll(c.join()));
            return all;
        });
    }

    private int partitionOf(String clientId) {
        Integer p = partitionOf.get(clientId);
        if (p == null) {
            if (partitionOf.size() > 1_000_000) {
                partitionOf.clear(); // a bound, not an eviction policy: entries are cheap to recompute
            }
            p = partitions.getPartition(clientId).getPartitionId();
            partitionOf.put(clientId, p);
        }
        return p;
    }









    @Override
    public Map<String, ReleaseResult> releaseDeadOwners(Set<String> liveNodes, long nowMillis) {
        return map.executeOnEntries(new ReleaseDeadOwner(liveNodes, nowMillis), new SessionPredicates.OwnerNotLive(liveNodes));
    }

    @Override
    public Set<String> dueForExpiry(long nowMillis) {
        return map.localKeySet(new SessionPredicates.ExpiryDue(nowMillis));
    }

    @Override
    public SessionRecord get(String clientId) {
        return map.get(clientId);
    }

    @Override
    public long countOffline() {
        return map.aggregate(Aggregators.count(), new SessionPredicates.Offline());
    }

    @Override
    public int size() {
        return map.size();
    }

    @Override
    protected <R> CompletionStage<R> call(String clientId, SessionOp<R> op) {
        return Stages.safe(() -> map.submitToKey(clientId, op));
    }
}
