package io.mqttcluster.cluster.session;

import com.hazelcast.aggregation.Aggregators;
import com.hazelcast.map.IMap;
import io.mqttcluster.cluster.message.Message;
import io.mqttcluster.cluster.util.Stages;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The session table in a Hazelcast map (the sessions map: OBJECT format, synchronous backups, split-brain
 * protection; see {@code ClusterNode}). Every write is one entry processor on one client id
 * ({@code submitToKey}), answered once its synchronous backup has it. Hazelcast's multi-key and
 * partition-wide calls back up asynchronously, so nothing the broker acts on goes through them.
 */
public final class HazelcastSessionStore extends RuleSessionStore {

    public static final String MAP_NAME = "mqtt.sessions";

    private final IMap<String, SessionRecord> map;

    public HazelcastSessionStore(IMap<String, SessionRecord> map) {
        this.map = map;
    }

    /**
     * One operation per session, carrying only the messages and targets that session takes ({@link AppendBatch}),
     * all in flight at once. Not one per partition: Hazelcast's multi-key call backs its writes up
     * asynchronously, so it answers before the backup replica has them; a primary that died right after would
     * take acknowledged messages with it, and the promoted backup would give their sequence numbers to other
     * messages (fault harness seed 20261206: a QoS 2 message delivered twice). A single-key call is answered
     * once its synchronous backup is applied.
     */
    @Override
    public CompletionStage<List<Map<String, AppendResult>>> appendBatch(List<Message> messages, List<Map<String, Target>> targets,
                                                                       QueueLimits limits, boolean[] mayBeDuplicate) {
        Map<String, AppendBatch> bySession = plan(messages, targets, limits, mayBeDuplicate, id -> id);
        List<CompletableFuture<Void>> pending = new ArrayList<>(bySession.size());
        List<Map<String, AppendResult>> out = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            out.add(new HashMap<>(targets.get(i).size() * 2));
        }
        for (Map.Entry<String, AppendBatch> e : bySession.entrySet()) {
            String clientId = e.getKey();
            AppendBatch batch = e.getValue();
            pending.add(Stages.safe(() -> map.submitToKey(clientId, batch)).thenAccept(answer -> {
                synchronized (out) {
                    collect(batch, java.util.Collections.singletonMap(clientId, answer), out);
                }
            }).toCompletableFuture());
        }
        return pending.size() == 1 ? pending.get(0).thenApply(v -> out)
                : CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).thenApply(v -> out);
    }

    /**
     * Finds the sessions of dead owners by a query, then releases each with its own single-key call, for the
     * same reason as {@link #appendBatch}: a partition-wide call backs up asynchronously, and the shared-group
     * copies a release hands out must not also stay in a queue the backup replica still has.
     */
    @Override
    public Map<String, ReleaseResult> releaseDeadOwners(Set<String> liveNodes, long nowMillis) {
        ReleaseDeadOwner release = new ReleaseDeadOwner(liveNodes, nowMillis);
        Map<String, ReleaseResult> out = new HashMap<>();
        List<CompletableFuture<Void>> pending = new ArrayList<>();
        for (String clientId : map.keySet(new SessionPredicates.OwnerNotLive(liveNodes))) {
            pending.add(map.submitToKey(clientId, release).thenAccept(r -> {
                if (r != null) {
                    synchronized (out) {
                        out.put(clientId, r);
                    }
                }
            }).toCompletableFuture());
        }
        try {
            CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).join();
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
        return out;
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

    /** Runs on every member over its own partitions; each answers at most {@code limit + 1} summaries. */
    @Override
    public List<SessionView> findClients(ClientQuery query) {
        return map.aggregate(new ClientPage(query));
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
