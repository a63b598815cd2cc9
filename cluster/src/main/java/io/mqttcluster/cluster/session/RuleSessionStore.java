package io.mqttcluster.cluster.session;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * The single-record calls of a {@link SessionStore}, each one rule ({@link SessionOp}) run on one record: a
 * store only says how it runs a rule on a key.
 */
abstract class RuleSessionStore implements SessionStore {

    /** Runs one rule on the record of a client id, atomically with respect to every other rule on it. */
    protected abstract <R> CompletionStage<R> call(String clientId, SessionOp<R> op);

    @Override
    public CompletionStage<ClaimResult> claim(String clientId, ClaimRequest request) {
        return call(clientId, new Claim(request));
    }

    @Override
    public CompletionStage<SnapshotResult> snapshot(String clientId, long epoch) {
        return call(clientId, new Snapshot(epoch));
    }

    @Override
    public CompletionStage<ReleaseResult> release(String clientId, String node, long epoch, boolean abnormal, boolean takeShared,
                                                  long nowMillis) {
        return call(clientId, new Release(node, epoch, abnormal, takeShared, nowMillis));
    }

    @Override
    public CompletionStage<List<QueuedMessage>> takeShared(String clientId, long epoch) {
        return call(clientId, new TakeShared(epoch));
    }

    @Override
    public CompletionStage<Object> ack(String clientId, long[] seqs) {
        return call(clientId, new Ack(seqs));
    }

    @Override
    public CompletionStage<Object> markPubrel(String clientId, long seq) {
        return call(clientId, new MarkPubrel(seq));
    }

    @Override
    public CompletionStage<Boolean> updateSubscriptions(String clientId, long epoch, Map<String, SubOptions> added, List<String> removed) {
        return call(clientId, new UpdateSubscriptions(epoch, added, removed));
    }

    @Override
    public CompletionStage<long[]> qos2Receive(String clientId, long epoch, int packetId, long idHigh, long idLow) {
        return call(clientId, new Qos2Receive(epoch, packetId, idHigh, idLow));
    }

    @Override
    public CompletionStage<Boolean> qos2Routed(String clientId, long epoch, int packetId) {
        return call(clientId, new Qos2Routed(epoch, packetId));
    }

    @Override
    public CompletionStage<Boolean> qos2Release(String clientId, long epoch, int packetId) {
        return call(clientId, new Qos2Release(epoch, packetId));
    }

    @Override
    public CompletionStage<ExpireResult> expire(String clientId, long nowMillis) {
        return call(clientId, new Expire(nowMillis));
    }
}
