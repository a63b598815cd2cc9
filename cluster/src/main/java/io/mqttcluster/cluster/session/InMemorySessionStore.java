package io.mqttcluster.cluster.session;

import io.mqttcluster.cluster.message.Message;
import io.mqttcluster.cluster.util.ProcessorEntry;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The session table in this process's memory, running the same rules ({@link SessionOp}s) as the cluster,
 * one at a time per client id. For tests of the protocol and routing without a cluster; it has no
 * backups and survives nothing. Calls complete before they return.
 */
public final class InMemorySessionStore extends RuleSessionStore {

    private final Map<String, SessionRecord> records = new ConcurrentHashMap<>();

    @Override
    protected <R> CompletionStage<R> call(String clientId, SessionOp<R> op) {
        try {
            return CompletableFuture.completedFuture(apply(clientId, op));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private <R> R apply(String clientId, SessionOp<R> op) {
        Object[] result = new Object[1];
        records.compute(clientId, (k, current) -> {
            ProcessorEntry<SessionRecord> entry = new ProcessorEntry<>(k, current);
            result[0] = op.process(entry);
            return entry.getValue();
        });
        @SuppressWarnings("unchecked")
        R r = (R) result[0];
        return r;
    }





    @Override
    public CompletionStage<List<Map<String, AppendResult>>> appendBatch(List<Message> messages, List<Map<String, Target>> targets,
                                                                       QueueLimits limits, boolean[] mayBeDuplicate) {
        List<Map<String, AppendResult>> out = new java.util.ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            out.add(new HashMap<>());
        }
        for (AppendBatch batch : plan(messages, targets, limits, mayBeDuplicate, id -> 0).values()) {
            Map<String, AppendResults> answers = new HashMap<>();
            for (String id : batch.keys()) {
                answers.put(id, apply(id, batch));
            }
            collect(batch, answers, out);
        }
        return CompletableFuture.completedFuture(out);
    }

    @Override
    public Map<String, ReleaseResult> releaseDeadOwners(Set<String> liveNodes, long nowMillis) {
        Map<String, ReleaseResult> out = new HashMap<>();
        for (String id : Set.copyOf(records.keySet())) {
            ReleaseResult r = apply(id, new ReleaseDeadOwner(liveNodes, nowMillis));
            if (r != null) {
                out.put(id, r);
            }
        }
        return out;
    }

    @Override
    public Set<String> dueForExpiry(long nowMillis) {
        Set<String> out = new HashSet<>();
        records.forEach((id, rec) -> {
            if (rec.due(nowMillis)) {
                out.add(id);
            }
        });
        return out;
    }

    @Override
    public Map<String, Long> ownedBy(String node) {
        Map<String, Long> out = new HashMap<>();
        records.forEach((id, rec) -> {
            if (node.equals(rec.owner)) {
                out.put(id, rec.epoch);
            }
        });
        return out;
    }

    @Override
    public Map<String, List<String>> subscriptionsOf(Set<String> clientIds) {
        Map<String, List<String>> out = new HashMap<>();
        for (String id : clientIds) {
            List<String> v = apply(id, new ReadSubscriptions());
            if (v != null) {
                out.put(id, v);
            }
        }
        return out;
    }

    @Override
    public List<SessionView> findClients(ClientQuery query) {
        ClientPage page = new ClientPage(query);
        records.entrySet().forEach(page::accumulate);
        return page.aggregate();
    }

    @Override
    public SessionRecord get(String clientId) {
        return records.get(clientId);
    }

    @Override
    public long countOffline() {
        return records.values().stream().filter(r -> r.owner == null).count();
    }

    @Override
    public int size() {
        return records.size();
    }
}
