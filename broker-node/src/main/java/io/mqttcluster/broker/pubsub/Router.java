package io.mqttcluster.broker.pubsub;

import io.mqttcluster.broker.cluster.Confirmation;
import io.mqttcluster.broker.cluster.NodeState;
import io.mqttcluster.broker.config.BrokerConfig;
import io.mqttcluster.broker.metrics.BrokerMetrics;
import io.mqttcluster.cluster.ClusterView;
import io.mqttcluster.broker.cluster.ForwardCodec.SharedDelivery;
import io.mqttcluster.broker.cluster.StoreDeadline;
import io.mqttcluster.broker.metrics.BrokerMetrics.DropReason;
import io.mqttcluster.cluster.message.Message;
import io.mqttcluster.cluster.route.DurableSubscriptions.DurableSub;
import io.mqttcluster.cluster.route.SharedGroups;
import io.mqttcluster.cluster.session.QueueLimits;
import io.mqttcluster.cluster.session.QueuedMessage;
import io.mqttcluster.cluster.session.SubOptions;
import io.mqttcluster.cluster.session.Target;
import io.mqttcluster.cluster.topic.Topics;
import io.vertx.core.Future;
import io.vertx.core.internal.ContextInternal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * The routing decision for a message taken in by this node: which subscriptions it matches in the whole
 * cluster, and storing what must be stored before its publisher is acknowledged. The {@link Dispatcher}
 * then carries the decision out.
 *
 * <p>Three ways out:
 * <ol>
 *   <li><b>Subscribers connected here that need no stored copy</b> (clean sessions, and QoS 0 deliveries to
 *       any session): found in {@link LocalSubscriptions}.</li>
 *   <li><b>Persistent sessions that get it at QoS 1 or 2</b>, connected or not, here or elsewhere: found in
 *       the cluster-wide mirror of their subscriptions; the message is queued for all of them in one call to
 *       the session store, which answers, per session, with the queue position and the node holding its
 *       connection.</li>
 *   <li><b>Other nodes</b>: the route table (filter -> nodes, mirrored here) says which nodes have matching
 *       subscribers; each gets the message once and delivers it to its own connections only.</li>
 * </ol>
 *
 * <p>A client with several subscriptions matching one topic gets one copy, at the highest QoS among them
 * [MQTT-3.3.5-1]; a shared subscription group gets one copy, for the one member this node picks.
 *
 * <p>Thread-safe; results come back on the caller's context.
 */
public final class Router {

    private final BrokerConfig config;
    private final ClusterView cluster;
    private final NodeState state;
    private final BrokerMetrics metrics;
    private final LocalSubscriptions local;
    private final Dispatcher dispatcher;

    public Router(BrokerConfig config, ClusterView cluster, NodeState state, BrokerMetrics metrics,
                  LocalSubscriptions local, Dispatcher dispatcher) {
        this.config = config;
        this.cluster = cluster;
        this.state = state;
        this.metrics = metrics;
        this.local = local;
        this.dispatcher = dispatcher;
    }

    private QueueLimits limits() {
        return new QueueLimits(config.maxQueuedMessages(), config.dropOldest(), config.qos2DedupeWindow());
    }

    // ------------------------------------------------------------------ publishing

    /** Per subscriber: the highest QoS among its matching subscriptions and what else the copy carries. */
    private static final class Match {
        int qos = -1;
        boolean retainFlag;
        List<Integer> subscriptionIds;

        void add(Message m, SubOptions o) {
            qos = Math.max(qos, Math.min(m.qos(), o.qos()));
            retainFlag |= o.retainAsPublished() && m.retain();
            if (o.subscriptionId() != 0) {
                if (subscriptionIds == null) {
                    subscriptionIds = new ArrayList<>(2);
                }
                subscriptionIds.add(o.subscriptionId());
            }
        }

        int[] ids() {
            return subscriptionIds == null ? null : subscriptionIds.stream().mapToInt(Integer::intValue).toArray();
        }
    }

    /**
     * Where one message goes, decided from this node's mirrors without any I/O.
     *
     * @param durable      persistent sessions that get a stored copy, or null
     * @param sharedSecond second stored copies, for persistent shared-group members that get the message through
     *                     a plain subscription too, or null
     */
    public record Plan(Message message, boolean mayBeDuplicate, List<LocalSubscriptions.Direct> direct,
                       Map<String, Target> durable, Map<String, Target> sharedSecond, Set<String> remoteRoutes,
                       Map<String, List<SharedDelivery>> remoteShared) {
    }

    /**
     * Works out where a message goes and stores what must be stored (copies for persistent sessions, the
     * retained copy). Completes on {@code context} with the publication, ready for {@link #dispatch}.
     *
     * @param mayBeDuplicate the publisher may have sent this message (same id) before: receivers skip a copy
     *                       they already have
     */
    public Future<Publication> accept(Message message, String publisherId, boolean mayBeDuplicate, ContextInternal context) {
        return store(List.of(plan(message, publisherId, mayBeDuplicate)), context).map(all -> all.get(0));
    }

    /** The routing decision for one message ({@link Plan}). */
    public Plan plan(Message message, String publisherId, boolean mayBeDuplicate) {
        String topic = message.topic();
        String[] levels = Topics.levels(topic);
        boolean dollar = Topics.isDollarTopic(topic);
        String self = cluster.nodeId();
        List<LocalSubscriptions.Direct> direct = new ArrayList<>(4);
        local.match(message, levels, dollar, publisherId, direct);

        Map<String, Target> durable = null;
        if (message.qos() >= 1) {
            Map<String, Match> byClient = durableMatches(message, levels, dollar, publisherId);
            if (byClient != null) {
                durable = new HashMap<>(byClient.size() * 2);
                for (Map.Entry<String, Match> e : byClient.entrySet()) {
                    Match m = e.getValue();
                    if (m.qos >= 1) {
                        durable.put(e.getKey(), new Target(m.qos, m.retainFlag, null, m.ids()));
                    }
                }
            }
        }

        Map<String, List<SharedDelivery>> remoteShared = null;
        Map<String, Target> sharedSecond = null;
        SharedGroups shared = cluster.sharedGroups();
        if (shared.groupCount() > 0) {
            List<Map.Entry<String, Target>> storedPicks = new ArrayList<>();
            Map<String, List<SharedDelivery>> byNode = new HashMap<>();
            String strategy = config.sharedStrategy();
            shared.match(levels, dollar, group -> {
                // QoS 2: by message id, so a re-routed copy finds the member that has it [MQTT-4.3.3-2]
                SharedGroups.Member m = message.qos() == 2 ? group.pickFor(message.idHigh(), message.idLow())
                        : group.pick(strategy, publisherId, self, null, message.qos() >= 1);
                Subscriber sub = null;
                if (m != null && !(m.persistent() && message.qos() >= 1 && m.qos() >= 1) && m.node().equals(self)) {
                    sub = dispatcher.client(m.clientId());
                    if (sub == null) {
                        // the table still has a member whose connection here just ended: another one
                        m = group.pick(strategy, publisherId, self, m.clientId(), message.qos() >= 1);
                        sub = m == null || !m.node().equals(self) ? null : dispatcher.client(m.clientId());
                    }
                }
                if (m == null) {
                    metrics.dropped(DropReason.NO_SHARED_MEMBER);
                    return;
                }
                int qos = Math.min(message.qos(), m.qos());
                if (m.persistent() && qos >= 1) {
                    storedPicks.add(Map.entry(m.clientId(), new Target(qos, false, group.key(), null)));
                } else if (m.node().equals(self)) {
                    if (sub != null) {
                        direct.add(new LocalSubscriptions.Direct(sub, qos, false, group.key(), null));
                    } else {
                        metrics.dropped(DropReason.NO_SHARED_MEMBER);
                    }
                } else {
                    byNode.computeIfAbsent(m.node(), n -> new ArrayList<>(1)).add(new SharedDelivery(m.clientId(), qos, group.key()));
                }
            });
            for (Map.Entry<String, Target> e : storedPicks) {
                if (durable == null) {
                    durable = new HashMap<>();
                }
                // one stored copy per session and store call: a client that also gets the message through a
                // plain subscription gets its shared copy as a second copy
                if (durable.putIfAbsent(e.getKey(), e.getValue()) != null) {
                    if (sharedSecond == null) {
                        sharedSecond = new HashMap<>(2);
                    }
                    sharedSecond.put(e.getKey(), e.getValue());
                }
            }
            remoteShared = byNode.isEmpty() ? null : byNode;
        }

        Set<String> remoteRoutes = null;
        if (cluster.memberCount() > 1) {
            Set<String> nodes = new HashSet<>(4);
            cluster.routes().match(levels, dollar, node -> {
                if (!node.equals(self)) {
                    nodes.add(node);
                }
            });
            remoteRoutes = nodes.isEmpty() ? null : nodes;
        }
        return new Plan(message, mayBeDuplicate, direct, durable == null || durable.isEmpty() ? null : durable, sharedSecond,
                remoteRoutes, remoteShared);
    }

    /**
     * Stores what the plans of one publisher need, in their order, in one round: the retained copies and one
     * batch of queue appends ({@code AppendBatch}), so every session queues the publisher's messages in the
     * order they came. Completes on {@code context} with one publication per plan.
     */
    public Future<List<Publication>> store(List<Plan> plans, ContextInternal context) {
        boolean acknowledged = false;
        for (Plan p : plans) {
            acknowledged |= p.message().qos() >= 1;
        }
        if (acknowledged && !state.hasQuorum()) {
            return Future.failedFuture(new IllegalStateException("the cluster is below its quorum"));
        }
        if (plans.size() == 1 && !plans.get(0).message().retain() && isEmpty(plans.get(0).durable())
                && isEmpty(plans.get(0).sharedSecond())) {
            // the common case (a round of one message that no persistent session takes): nothing to write
            Plan p = plans.get(0);
            return Future.succeededFuture(List.of(new Publication(p.message(), p.mayBeDuplicate(), p.direct(), List.of(),
                    p.remoteRoutes(), p.remoteShared())));
        }
        List<Future<?>> waits = new ArrayList<>(2);
        Map<String, Message> lastRetained = null; // the last one per topic is what stays
        for (Plan p : plans) {
            if (p.message().retain()) {
                if (lastRetained == null) {
                    lastRetained = new java.util.LinkedHashMap<>();
                }
                lastRetained.put(p.message().topic(), p.message());
            }
        }
        if (lastRetained != null && config.retainAvailable()) {
            for (Message m : lastRetained.values()) {
                Future<?> w = idempotent(() -> cluster.retained().retain(m), context, 1);
                if (m.qos() >= 1) {
                    waits.add(w); // QoS 0: nothing to acknowledge, do not wait
                }
            }
        }
        List<Message> messages = new ArrayList<>();
        List<Map<String, Target>> targets = new ArrayList<>();
        List<Boolean> dup = new ArrayList<>();
        int[] durableIndex = new int[plans.size()];
        int[] secondIndex = new int[plans.size()];
        for (int i = 0; i < plans.size(); i++) {
            Plan p = plans.get(i);
            durableIndex[i] = add(p.durable(), p, messages, targets, dup);
            secondIndex[i] = add(p.sharedSecond(), p, messages, targets, dup);
        }
        Future<List<Map<String, io.mqttcluster.cluster.session.AppendResult>>> appended;
        if (messages.isEmpty()) {
            appended = Future.succeededFuture(List.of());
        } else {
            boolean[] mayBeDuplicate = new boolean[dup.size()];
            for (int i = 0; i < mayBeDuplicate.length; i++) {
                mayBeDuplicate[i] = dup.get(i);
            }
            appended = append(messages, targets, mayBeDuplicate, context, 1);
        }
        Future<List<Map<String, io.mqttcluster.cluster.session.AppendResult>>> all = waits.isEmpty() ? appended
                : Future.all(waits).compose(v -> appended);
        return all.map(results -> {
            List<Publication> out = new ArrayList<>(plans.size());
            for (int i = 0; i < plans.size(); i++) {
                Plan p = plans.get(i);
                List<Publication.Stored> stored = new ArrayList<>(2);
                if (durableIndex[i] >= 0) {
                    stored.add(new Publication.Stored(p.durable(), results.get(durableIndex[i])));
                }
                if (secondIndex[i] >= 0) {
                    stored.add(new Publication.Stored(p.sharedSecond(), results.get(secondIndex[i])));
                }
                out.add(new Publication(p.message(), p.mayBeDuplicate(), p.direct(), stored, p.remoteRoutes(), p.remoteShared()));
            }
            return out;
        });
    }

    private static boolean isEmpty(Map<String, Target> t) {
        return t == null || t.isEmpty();
    }

    private static int add(Map<String, Target> t, Plan p, List<Message> messages, List<Map<String, Target>> targets, List<Boolean> dup) {
        if (isEmpty(t)) {
            return -1;
        }
        messages.add(p.message());
        targets.add(t);
        dup.add(p.mayBeDuplicate());
        return messages.size() - 1;
    }

    /**
     * Attempts of a store write that failed as indeterminate before the publish fails: with the store timeout,
     * enough to outlast the removal of a member that died under the first one ({@code cluster.max-no-heartbeat}).
     */
    private static final int APPEND_ATTEMPTS = 5;

    /**
     * Queues a batch of messages. When the store cannot tell whether the write happened (the primary applied
     * it but a backup did not answer, typically because its node just died), it is written again as a possible
     * duplicate: each session that has the copy keeps the one it has, the others take it, and the new backups
     * get it. So a node's death costs the publisher a delay, not its connection.
     */
    private Future<List<Map<String, io.mqttcluster.cluster.session.AppendResult>>> append(List<Message> messages,
            List<Map<String, Target>> targets, boolean[] mayBeDuplicate, ContextInternal ctx, int attempt) {
        return StoreDeadline.within(cluster.sessions().appendBatch(messages, targets, limits(), mayBeDuplicate), ctx,
                        config.storeTimeoutMillis())
                .recover(err -> {
                    if (attempt >= APPEND_ATTEMPTS || !indeterminate(err)) {
                        return Future.failedFuture(err);
                    }
                    metrics.storeRetry();
                    boolean[] all = new boolean[mayBeDuplicate.length];
                    java.util.Arrays.fill(all, true);
                    return append(messages, targets, all, ctx, attempt + 1);
                });
    }

    private Future<Map<String, io.mqttcluster.cluster.session.AppendResult>> append(Message message, Map<String, Target> targets,
                                                                                   boolean mayBeDuplicate, ContextInternal ctx, int attempt) {
        return append(List.of(message), List.of(targets), new boolean[]{mayBeDuplicate}, ctx, attempt).map(all -> all.get(0));
    }

    /** An idempotent write, done again while the store cannot tell whether it was applied. */
    private <T> Future<T> idempotent(java.util.function.Supplier<CompletionStage<T>> write, ContextInternal ctx, int attempt) {
        return StoreDeadline.within(write.get(), ctx, config.storeTimeoutMillis()).recover(err -> {
            if (attempt >= APPEND_ATTEMPTS || !indeterminate(err)) {
                return Future.failedFuture(err);
            }
            metrics.storeRetry();
            return idempotent(write, ctx, attempt + 1);
        });
    }

    /**
     * The store could not tell whether a write was applied (it may have been): its backup did not answer, or
     * the call got no answer at all (ours: {@link StoreDeadline}; Hazelcast's operation heartbeat timeout).
     */
    static boolean indeterminate(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof com.hazelcast.core.IndeterminateOperationStateException
                    || c instanceof com.hazelcast.core.OperationTimeoutException) {
                return true;
            }
        }
        return false;
    }

    /** Persistent sessions a QoS 1/2 message goes to, merged per session; null when none (no allocation). */
    private Map<String, Match> durableMatches(Message message, String[] levels, boolean dollar, String publisherId) {
        Object[] holder = new Object[1];
        cluster.durableSubscriptions().match(levels, dollar, (DurableSub ds) -> {
            if (ds.options().noLocal() && ds.clientId().equals(publisherId)) {
                return;
            }
            @SuppressWarnings("unchecked")
            Map<String, Match> m = (Map<String, Match>) holder[0];
            if (m == null) {
                m = new HashMap<>();
                holder[0] = m;
            }
            m.computeIfAbsent(ds.clientId(), c -> new Match()).add(message, ds.options());
        });
        @SuppressWarnings("unchecked")
        Map<String, Match> result = (Map<String, Match>) holder[0];
        return result;
    }

    /**
     * Carries a stored publication out; its confirmation completes on {@code ctx} once every node that takes a
     * copy has it (see {@link Dispatcher#dispatch}).
     */
    public Confirmation dispatch(Publication p, ContextInternal ctx) {
        return dispatcher.dispatch(p, ctx);
    }

    /** {@link #dispatch}, waiting for its confirmation at once. */
    private Future<Void> waitDispatched(Publication p, ContextInternal ctx) {
        return dispatcher.dispatch(p, ctx).await().mapEmpty();
    }

    /**
     * Queues messages for one persistent session (retained messages sent on subscribe) and sends them to it.
     * Completes on {@code context} once stored.
     */
    public Future<Void> queueFor(String clientId, List<Message> messages, int grantedQos, ContextInternal context) {
        Future<Void> chain = Future.succeededFuture();
        for (Message m : messages) {
            int qos = Math.min(m.qos(), grantedQos);
            Map<String, Target> target = Map.of(clientId, new Target(qos, true, null, null));
            chain = chain.compose(v -> append(m, target, false, context, 1)
                    .compose(results -> waitDispatched(Publication.storedOnly(m, target, results), context)));
        }
        return chain;
    }

    /** Publishes a will: stored like any QoS 1/2 publish, then dispatched. Completes on {@code context}. */
    public Future<Void> publishWill(Message will, ContextInternal context) {
        Message now = will.publishedAt(System.currentTimeMillis()); // its expiry interval counts from now
        return accept(now, now.publisherId(), false, context)
                .compose(p -> waitDispatched(p, context))
                .onSuccess(v -> metrics.willPublished());
    }

    /**
     * Gives a message of a shared subscription group to another member, because the one it went to left
     * before finishing it: stored for a persistent member, handed over for a clean one.
     */
    public Future<Void> redispatchShared(Message message, int qos, String shareKey, String exceptClientId, ContextInternal ctx) {
        return redispatchShared(message, qos, shareKey, exceptClientId, false, ctx);
    }

    /**
     * The same for a copy taken from the stored queue of a persistent member that went away before sending it:
     * when the group has no other member, it goes back into that member's queue (the session still subscribes)
     * rather than to no one.
     */
    public Future<Void> handBackShared(QueuedMessage q, String fromClientId, ContextInternal ctx) {
        return redispatchShared(q.message(), q.qos(), q.shareGroup(), fromClientId, true, ctx);
    }

    private Future<Void> redispatchShared(Message message, int qos, String shareKey, String exceptClientId,
                                          boolean orBack, ContextInternal ctx) {
        SharedGroups.Group group = cluster.sharedGroups().group(shareKey);
        SharedGroups.Member m = group == null ? null
                : group.pick(config.sharedStrategy(), message.publisherId(), cluster.nodeId(), exceptClientId, qos >= 1);
        if (m == null && orBack && qos >= 1) {
            m = new SharedGroups.Member(exceptClientId, SharedGroups.OFFLINE, qos, true);
        }
        if (m == null) {
            metrics.dropped(DropReason.NO_SHARED_MEMBER);
            return Future.succeededFuture();
        }
        int q = Math.min(qos, m.qos());
        if (m.persistent() && q >= 1) {
            Map<String, Target> target = Map.of(m.clientId(), new Target(q, false, shareKey, null));
            return append(message, target, false, ctx, 1)
                    .compose(results -> waitDispatched(Publication.storedOnly(message, target, results), ctx));
        }
        if (m.node().equals(cluster.nodeId())) {
            Subscriber sub = dispatcher.client(m.clientId());
            if (sub == null) {
                metrics.dropped(DropReason.NO_SHARED_MEMBER);
                return Future.succeededFuture();
            }
            return waitDispatched(new Publication(message, false, List.of(new LocalSubscriptions.Direct(sub, q, false, shareKey, null)),
                    List.of(), null, null), ctx);
        }
        return waitDispatched(new Publication(message, false, List.of(), List.of(), null,
                Map.of(m.node(), List.of(new SharedDelivery(m.clientId(), q, shareKey)))), ctx);
    }
}
