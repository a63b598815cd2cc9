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

    public SessionStore(IMap<String, SessionRecord> map) {
        this.map = map;
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
     * Queues one message for several persistent sessions in one call.
     *
     * @return per client id the queue position and the node to send it to; sessions that are gone or not
     * persistent have no entry
     */
    public CompletionStage<Map<String, AppendResult>> append(Message message, Map<String, Target> targets, int maxQueue,
                                                             boolean dropOldest, boolean mayBeDuplicate) {
        return safe(() -> map.submitToKeys(targets.keySet(),
                new SessionProcessors.Append(message, targets, maxQueue, dropOldest, mayBeDuplicate)));
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
            return call.get();
        } catch (RuntimeException e) {
            return java.util.concurrent.CompletableFuture.failedStage(e);
        }
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
