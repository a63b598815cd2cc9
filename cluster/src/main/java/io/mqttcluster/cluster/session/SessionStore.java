package io.mqttcluster.cluster.session;

import io.mqttcluster.cluster.message.Message;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * The cluster-wide session table (client id -> {@link SessionRecord}) as the protocol and routing code
 * use it. Every change is one atomic rule on one record ({@link SessionOp}s); asynchronous calls
 * complete on a store thread, so callers on an event loop bring the result back to their context.
 *
 * <p>Two implementations run the same rules: {@link HazelcastSessionStore} (the cluster) and
 * {@link InMemorySessionStore} (one process, for tests of the protocol without a cluster).
 */
public interface SessionStore {

    /** Takes the client id for a new connection. */
    CompletionStage<ClaimResult> claim(String clientId, ClaimRequest request);

    /** Reads a session's queue for the connection of {@code epoch}; null when a newer one claimed it. */
    CompletionStage<SnapshotResult> snapshot(String clientId, long epoch);

    /**
     * Ends the connection of {@code node} at {@code epoch}; returns the will to publish when abnormal and
     * not delayed, and with a handover the shared-group copies another member may get instead.
     */
    CompletionStage<ReleaseResult> release(String clientId, String node, long epoch, boolean abnormal, SharedHandover handover,
                                          long nowMillis);

    /**
     * {@link #release} with the session expiry interval the client's MQTT 5 DISCONNECT set ({@code newExpirySeconds};
     * -1: unchanged).
     */
    CompletionStage<ReleaseResult> release(String clientId, String node, long epoch, boolean abnormal, SharedHandover handover,
                                          long nowMillis, long newExpirySeconds);

    /**
     * Queues one message for several persistent sessions; per client id the queue position and the node to
     * tell. Sessions that are gone or not persistent have no entry.
     */
    default CompletionStage<Map<String, AppendResult>> append(Message message, Map<String, Target> targets, QueueLimits limits,
                                                              boolean mayBeDuplicate) {
        return appendBatch(List.of(message), List.of(targets), limits, new boolean[]{mayBeDuplicate}).thenApply(all -> all.get(0));
    }

    /**
     * Queues several messages of one publisher, each for its own sessions, so that every session takes them
     * in this order ({@link AppendBatch}). Per message, per client id, the store's answer.
     */
    CompletionStage<List<Map<String, AppendResult>>> appendBatch(List<Message> messages, List<Map<String, Target>> targets,
                                                                QueueLimits limits, boolean[] mayBeDuplicate);


    /** Removes acknowledged messages from a session's queue. */
    CompletionStage<Object> ack(String clientId, long[] seqs);

    /** Records that PUBREL is being sent for a queued QoS 2 message. */
    CompletionStage<Object> markPubrel(String clientId, long seq);

    /** SUBSCRIBE / UNSUBSCRIBE; false when the connection of {@code epoch} is no longer the session's. */
    CompletionStage<Boolean> updateSubscriptions(String clientId, long epoch, Map<String, SubOptions> added, List<String> removed);

    /** A QoS 2 PUBLISH of a persistent session; see {@link Qos2Receive} for the result. */
    CompletionStage<long[]> qos2Receive(String clientId, long epoch, int packetId, long idHigh, long idLow);

    /** Several QoS 2 PUBLISH packets in one step; see {@link Qos2ReceiveBatch}. */
    CompletionStage<long[]> qos2ReceiveBatch(String clientId, long epoch, int[] packetIds, long[] ids);

    CompletionStage<Boolean> qos2Routed(String clientId, long epoch, int packetId);

    CompletionStage<Boolean> qos2Release(String clientId, long epoch, int packetId);

    /** The sweep of one session that {@link #dueForExpiry} named. */
    CompletionStage<ExpireResult> expire(String clientId, long nowMillis);

    /** The detailed view of a session (no queue), or null when there is none. */
    CompletionStage<SessionView> describe(String clientId);

    /**
     * Deletes an offline session for an operator: record and queue; the result names its subscriptions and shared
     * copies to clean up (no will). Null when there is none; not {@code expired()} when a connection holds it.
     */
    CompletionStage<ExpireResult> delete(String clientId);

    // ------------------------------------------------------------------ blocking: call on a worker thread

    /**
     * One page of a client search ({@link ClientPage}): at most {@code limit + 1} summaries sorted by client id,
     * computed on the members that hold the sessions.
     */
    List<SessionView> findClients(ClientQuery query);

    /** Releases every session owned by a node that is not live, as an abnormal end. */
    Map<String, ReleaseResult> releaseDeadOwners(Set<String> liveNodes, long nowMillis);

    /** Client ids of offline sessions held by this member that expired or owe a delayed will. */
    Set<String> dueForExpiry(long nowMillis);

    /** Sessions whose connection this node holds, as the cluster sees it: client id -> connection epoch. */
    Map<String, Long> ownedBy(String node);

    /**
     * Per client id (of those given that have a session), its session uid followed by its subscription
     * filters; see {@link ReadSubscriptions}.
     */
    Map<String, List<String>> subscriptionsOf(Set<String> clientIds);

    /** A copy of a session's record, or null. */
    SessionRecord get(String clientId);

    /** Persistent sessions without a connection, cluster-wide. */
    long countOffline();

    /** Sessions in the cluster (connected and offline persistent). */
    int size();
}
