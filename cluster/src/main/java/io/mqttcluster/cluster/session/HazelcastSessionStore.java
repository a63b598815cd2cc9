package io.mqttcluster.cluster.session;

import com.hazelcast.aggregation.Aggregators;
import com.hazelcast.map.IMap;
import com.hazelcast.partition.PartitionService;
import io.mqttcluster.cluster.message.Message;
import io.mqttcluster.cluster.util.Stages;

import java.util.ArrayList;
import java.util.HashMap;
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
     * One operation per partition, carrying that partition's messages, targets and keys ({@link AppendBatch}).
     * (Hazelcast's multi-key call hands every partition the whole processor; here each gets only its own.)
     */
    @Override
    public CompletionStage<List<Map<String, AppendResult>>> appendBatch(List<Message> messages, List<Map<String, Target>> targets,
                                                                       QueueLimits limits, boolean[] mayBeDuplicate) {
        Map<Integer, AppendBatch> byPartition;
        try {
            byPartition = plan(messages, targets, limits, mayBeDuplicate, this::partitionOf);
        } catch (RuntimeException notActive) {
            return CompletableFuture.failedStage(notActive);
        }
        List<CompletableFuture<Void>> pending = new ArrayList<>(byPartition.size());
        List<Map<String, AppendResult>> out = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            out.add(new HashMap<>(targets.get(i).size() * 2));
        }
        for (AppendBatch batch : byPartition.values()) {
            CompletionStage<Map<String, AppendResults>> call = batch.keys().size() == 1
                    ? Stages.safe(() -> map.submitToKey(batch.keys().iterator().next(), batch))
                            .thenApply(r -> {
                                Map<String, AppendResults> one = new HashMap<>(2);
                                one.put(batch.keys().iterator().next(), r);
                                return one;
                            })
                    : Stages.safe(() -> map.submitToKeys(batch.keys(), batch));
            pending.add(call.thenAccept(answers -> {
                synchronized (out) {
                    collect(batch, answers, out);
                }
            }).toCompletableFuture());
        }
        return CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).thenApply(v -> out);
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
    public Map<String, Long> ownedBy(String node) {
        Map<String, Long> out = new HashMap<>();
        for (String s : map.project(new OwnerEpochs(), new SessionPredicates.OwnedBy(node))) {
            int sep = s.lastIndexOf('\0');
            out.put(s.substring(0, sep), Long.parseLong(s.substring(sep + 1)));
        }
        return out;
    }

    @Override
    public Map<String, List<String>> subscriptionsOf(Set<String> clientIds) {
        Map<String, List<String>> out = new HashMap<>();
        map.executeOnKeys(clientIds, new ReadSubscriptions()).forEach((k, v) -> {
            if (v != null) {
                out.put(k, v);
            }
        });
        return out;
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
