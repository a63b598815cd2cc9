package io.mqttcluster.cluster.session;

import io.mqttcluster.cluster.message.Message;

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
    public CompletionStage<ReleaseResult> release(String clientId, String node, long epoch, boolean abnormal, SharedHandover handover,
                                                  long nowMillis) {
        return call(clientId, new Release(node, epoch, abnormal, handover, nowMillis));
    }

    @Override
    public CompletionStage<ReleaseResult> release(String clientId, String node, long epoch, boolean abnormal, SharedHandover handover,
                                                  long nowMillis, long newExpirySeconds) {
        return call(clientId, new Release(node, epoch, abnormal, handover, nowMillis, newExpirySeconds));
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
    public CompletionStage<long[]> qos2ReceiveBatch(String clientId, long epoch, int[] packetIds, long[] ids) {
        return call(clientId, new Qos2ReceiveBatch(epoch, packetIds, ids));
    }

    @Override
    public CompletionStage<Boolean> qos2Routed(String clientId, long epoch, int packetId) {
        return call(clientId, new Qos2Routed(epoch, packetId));
    }

    @Override
    public CompletionStage<Boolean> qos2Release(String clientId, long epoch, int packetId) {
        return call(clientId, new Qos2Release(epoch, packetId));
    }

    /**
     * Splits a batch into store calls: per call (the sessions {@code callOf} puts together), the messages it
     * needs, the distinct targets, and per client id which message goes how.
     */
    static <K> Map<K, AppendBatch> plan(List<Message> messages, List<Map<String, Target>> targets, QueueLimits limits,
                                        boolean[] mayBeDuplicate, java.util.function.Function<String, K> callOf) {
        Map<K, CallPlan> byCall = new java.util.HashMap<>();
        for (int i = 0; i < messages.size(); i++) {
            for (Map.Entry<String, Target> e : targets.get(i).entrySet()) {
                byCall.computeIfAbsent(callOf.apply(e.getKey()), p -> new CallPlan())
                        .add(i, e.getKey(), e.getValue());
            }
        }
        Map<K, AppendBatch> out = new java.util.HashMap<>(byCall.size() * 2);
        byCall.forEach((p, plan) -> out.put(p, plan.build(messages, limits, mayBeDuplicate)));
        return out;
    }

    /** The part of a batch that goes to one store call, being built. */
    private static final class CallPlan {
        final Map<Integer, Integer> messageIndex = new java.util.LinkedHashMap<>();
        final Map<Object, Integer> targetIndex = new java.util.HashMap<>();
        final List<Target> targetList = new java.util.ArrayList<>();
        final Map<String, java.util.List<Integer>> perKey = new java.util.HashMap<>();

        void add(int message, String clientId, Target target) {
            int m = messageIndex.computeIfAbsent(message, k -> messageIndex.size());
            int t = targetIndex.computeIfAbsent(target.groupKey(), k -> {
                targetList.add(target);
                return targetList.size() - 1;
            });
            java.util.List<Integer> pairs = perKey.computeIfAbsent(clientId, k -> new java.util.ArrayList<>(2));
            pairs.add(m);
            pairs.add(t);
        }

        AppendBatch build(List<Message> messages, QueueLimits limits, boolean[] mayBeDuplicate) {
            List<Message> mine = new java.util.ArrayList<>(messageIndex.size());
            boolean[] dup = new boolean[messageIndex.size()];
            for (Map.Entry<Integer, Integer> e : messageIndex.entrySet()) {
                mine.add(messages.get(e.getKey()));
                dup[e.getValue()] = mayBeDuplicate[e.getKey()];
            }
            Map<String, int[]> plan = new java.util.HashMap<>(perKey.size() * 2);
            perKey.forEach((k, pairs) -> plan.put(k, pairs.stream().mapToInt(Integer::intValue).toArray()));
            return new AppendBatch(mine, dup, targetList, limits, plan, globalIndexes());
        }

        private int[] globalIndexes() {
            int[] g = new int[messageIndex.size()];
            messageIndex.forEach((global, local) -> g[local] = global);
            return g;
        }
    }

    /** Puts the per-session answers of one call's batch back under the batch's message numbers. */
    static void collect(AppendBatch batch, Map<String, AppendResults> answers, List<Map<String, AppendResult>> into) {
        answers.forEach((clientId, results) -> {
            if (results == null) {
                return;
            }
            for (int i = 0; i < results.size(); i++) {
                into.get(batch.globalIndex(results.messageIndex(i))).put(clientId, results.result(i));
            }
        });
    }

    @Override
    public CompletionStage<SessionView> describe(String clientId) {
        return call(clientId, new DescribeSession());
    }

    @Override
    public CompletionStage<ExpireResult> delete(String clientId) {
        return call(clientId, new DeleteSession());
    }

    @Override
    public CompletionStage<ExpireResult> expire(String clientId, long nowMillis) {
        return call(clientId, new Expire(nowMillis));
    }
}
