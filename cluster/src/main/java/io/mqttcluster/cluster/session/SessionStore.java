package io.mqttcluster.cluster.session;

import com.hazelcast.map.IMap;
import io.mqttcluster.cluster.message.Message;
import io.mqttcluster.cluster.session.SessionProcessors.Target;
import io.mqttcluster.cluster.session.SessionResults.AppendResult;
import io.mqttcluster.cluster.session.SessionResults.ClaimResult;
import io.mqttcluster.cluster.session.SessionResults.ReleaseResult;
import io.mqttcluster.cluster.session.QueuedMessage;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * The cluster-wide session table: client id -> {@link SessionRecord}. Every change goes through an entry
 * processor (see {@link SessionProcessors} for the rules); every call here is asynchronous and completes
 * on a Hazelcast thread, so callers on an event loop bring the result back to their context.
 */
public final class SessionStore {

    public static final String MAP_NAME = "mqtt.sessions";

    private final IMap<String, SessionRecord> map;
    private final com.hazelcast.partition.PartitionService partitions;
    /** Partition of a client id: fixed for the cluster's life, and costly to compute (serialise + hash). */
    private final Map<String, Integer> partitionOf = new java.util.concurrent.ConcurrentHashMap<>();

    public SessionStore(IMap<String, SessionRecord> map, com.hazelcast.partition.PartitionService partitions) {
        this.map = map;
        this.partitions = partitions;
    }

    /** Takes the client id for a new connection of {@code node}. */
    public CompletionStage<ClaimResult> claim(String clientId, String node, boolean cleanStart, long expirySeconds,
                                              Message will, int willDelaySeconds, int protocolVersion) {
        return safe(() -> map.submitToKey(clientId, new SessionProcessors.Claim(node, cleanStart, expirySeconds, will,
                willDelaySeconds, protocolVersion, System.currentTimeMillis())));
    }

    /** Reads a resumed session's queue; null when a newer connection claimed it meanwhile. */
    public CompletionStage<SessionResults.SnapshotResult> snapshot(String clientId, long epoch) {
        return safe(() -> map.submitToKey(clientId, new SessionProcessors.Snapshot(epoch)));
    }

    /** Ends the connection of {@code node} at {@code epoch}; returns the will to publish when abnormal. */
    public CompletionStage<ReleaseResult> release(String clientId, String node, long epoch, boolean abnormal) {
        return safe(() -> map.submitToKey(clientId, new SessionProcessors.Release(node, epoch, abnormal, System.currentTimeMillis())));
    }

    /**
     * Queues one message for several persistent sessions. The sessions are grouped by partition and by the
     * way they get the message (QoS, group, ids): one operation per partition, each carrying a small
     * processor and only its own keys. (Hazelcast's multi-key call hands every partition the whole key set,
     * which costs partitions x keys for a message that many sessions subscribe to.)
     *
     * @return per client id the queue position and the node to send it to; sessions that are gone or not
     * persistent have no entry
     */
    public CompletionStage<Map<String, AppendResult>> append(Message message, Map<String, Target> targets, int maxQueue,
                                                             boolean dropOldest, boolean mayBeDuplicate) {
        if (targets.size() == 1) {
            Map.Entry<String, Target> only = targets.entrySet().iterator().next();
            return safe(() -> map.submitToKey(only.getKey(),
                            new SessionProcessors.Append(message, only.getValue(), maxQueue, dropOldest, mayBeDuplicate)))
                    .thenApply(r -> {
                        Map<String, AppendResult> m = new java.util.HashMap<>(2);
                        if (r != null) {
                            m.put(only.getKey(), r);
                        }
                        return m;
                    });
        }
        Map<Object, Map.Entry<Target, java.util.Set<String>>> calls = new java.util.HashMap<>();
        for (Map.Entry<String, Target> e : targets.entrySet()) {
            int partition;
            try {
                partition = partitionOf(e.getKey());
            } catch (RuntimeException notActive) {
                return java.util.concurrent.CompletableFuture.failedStage(notActive);
            }
            calls.computeIfAbsent(java.util.List.of(partition, e.getValue().groupKey()),
                    k -> Map.entry(e.getValue(), new java.util.HashSet<>(4))).getValue().add(e.getKey());
        }
        java.util.List<java.util.concurrent.CompletableFuture<Map<String, AppendResult>>> pending = new java.util.ArrayList<>(calls.size());
        for (Map.Entry<Target, java.util.Set<String>> call : calls.values()) {
            SessionProcessors.Append processor = new SessionProcessors.Append(message, call.getKey(), maxQueue, dropOldest, mayBeDuplicate);
            pending.add(safe(() -> map.submitToKeys(call.getValue(), processor)).toCompletableFuture());
        }
        return java.util.concurrent.CompletableFuture.allOf(pending.toArray(java.util.concurrent.CompletableFuture[]::new))
                .thenApply(v -> {
                    Map<String, AppendResult> all = new java.util.HashMap<>(targets.size() * 2);
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

    /** Takes the unacknowledged shared-subscription messages out of an offline session's queue. */
    public CompletionStage<List<QueuedMessage>> takeShared(String clientId, long epoch) {
        return safe(() -> map.submitToKey(clientId, new SessionProcessors.TakeShared(epoch)));
    }

    /** Removes acknowledged messages from a session's queue. */
    public CompletionStage<Object> ack(String clientId, long[] seqs) {
        return safe(() -> map.submitToKey(clientId, new SessionProcessors.Ack(seqs)));
    }

    /** Records that PUBREL is being sent for a queued QoS 2 message. */
    public CompletionStage<Object> markPubrel(String clientId, long seq) {
        return safe(() -> map.submitToKey(clientId, new SessionProcessors.MarkPubrel(seq)));
    }

    public CompletionStage<Object> updateSubscriptions(String clientId, long epoch, Map<String, SubOptions> added,
                                                       List<String> removed) {
        return safe(() -> map.submitToKey(clientId, new SessionProcessors.UpdateSubscriptions(epoch, added, removed)));
    }

    /** Records a QoS 2 packet id received from a persistent session; returns the earlier message id, if any. */
    public CompletionStage<long[]> recordInboundQos2(String clientId, int packetId, long idHigh, long idLow) {
        return safe(() -> map.submitToKey(clientId, new SessionProcessors.InboundQos2(true, packetId, idHigh, idLow)));
    }

    public CompletionStage<long[]> forgetInboundQos2(String clientId, int packetId) {
        return safe(() -> map.submitToKey(clientId, new SessionProcessors.InboundQos2(false, packetId, 0, 0)));
    }

    /**
     * Releases every session owned by a node that is not live, as an abnormal end. Blocking: call it on
     * a worker thread.
     */
    public Map<String, ReleaseResult> releaseDeadOwners(Set<String> liveNodes) {
        return map.executeOnEntries(new SessionProcessors.ReleaseDeadOwner(liveNodes, System.currentTimeMillis()),
                new SessionProcessors.OwnerNotLive(liveNodes));
    }

    /**
     * Hazelcast throws some failures (instance shutting down, split-brain protection) from the call itself
     * instead of failing the returned stage; callers on an event loop get a failed stage either way.
     */
    static <T> CompletionStage<T> safe(java.util.function.Supplier<CompletionStage<T>> call) {
        try {
            return direct(call.get());
        } catch (RuntimeException e) {
            return java.util.concurrent.CompletableFuture.failedStage(e);
        }
    }

    /**
     * A plain CompletableFuture completed on the thread that completes Hazelcast's future. Hazelcast runs
     * callbacks on its default async executor, which on a machine with fewer than three cores (common
     * pool parallelism below 2) starts a new thread for every callback: at thousands of store calls per
     * second that, not the store, is the cost. Callbacks here only complete a promise and hop to an event
     * loop, so running them in place is right.
     */
    public static <T> java.util.concurrent.CompletableFuture<T> direct(CompletionStage<T> stage) {
        java.util.concurrent.CompletableFuture<T> cf = new java.util.concurrent.CompletableFuture<>();
        stage.whenCompleteAsync((v, e) -> {
            if (e != null) {
                cf.completeExceptionally(e);
            } else {
                cf.complete(v);
            }
        }, Runnable::run);
        return cf;
    }

    /** A copy of a session's record, for tests and diagnostics. Blocking. */
    public SessionRecord get(String clientId) {
        return map.get(clientId);
    }

    /** Persistent sessions without a connection, cluster-wide. Blocking (a scan of every partition). */
    public long countOffline() {
        return map.aggregate(com.hazelcast.aggregation.Aggregators.count(), new SessionProcessors.Offline());
    }

    /** Number of sessions in the cluster (connected and offline persistent). Blocking. */
    public int size() {
        return map.size();
    }
}
