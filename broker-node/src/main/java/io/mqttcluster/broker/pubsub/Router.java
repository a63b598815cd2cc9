package io.mqttcluster.broker.pubsub;

import io.mqttcluster.broker.Broker;
import io.mqttcluster.broker.channel.Channel;
import io.mqttcluster.broker.cluster.ForwardCodec;
import io.mqttcluster.broker.cluster.ForwardCodec.Notice;
import io.mqttcluster.broker.cluster.ForwardCodec.SharedDelivery;
import io.mqttcluster.broker.cluster.ForwardCodec.Sync;
import io.mqttcluster.broker.metrics.BrokerMetrics.DropReason;
import io.mqttcluster.cluster.message.Message;
import io.mqttcluster.cluster.route.DurableSubscriptions;
import io.mqttcluster.cluster.route.DurableSubscriptions.DurableSub;
import io.mqttcluster.cluster.route.RouteTable;
import io.mqttcluster.cluster.route.SharedGroups;
import io.mqttcluster.cluster.session.QueuedMessage;
import io.mqttcluster.cluster.session.SessionProcessors.Target;
import io.mqttcluster.cluster.session.SessionResults.AppendResult;
import io.mqttcluster.cluster.session.SubOptions;
import io.mqttcluster.cluster.topic.TopicTree;
import io.mqttcluster.cluster.topic.Topics;
import io.vertx.core.Future;
import io.vertx.core.internal.ContextInternal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * The publish path of this node: for one message, finds every subscription it matches, in the whole
 * cluster, and gets it to each subscriber once.
 *
 * <p>Three ways out:
 * <ol>
 *   <li><b>Subscribers connected here that need no stored copy</b> (clean sessions, and QoS 0 deliveries to
 *       any session): found in the local topic tree and handed the message directly.</li>
 *   <li><b>Persistent sessions that get it at QoS 1 or 2</b>, connected or not, here or elsewhere: found in
 *       the cluster-wide mirror of their subscriptions; the message is queued for all of them in one call to
 *       the session store, and only when that call succeeds may the publisher be acknowledged. The store
 *       answers, per session, with the queue position and the node holding the session's connection.</li>
 *   <li><b>Other nodes</b>: the route table (filter -> nodes, mirrored here) says which nodes have matching
 *       subscribers; each gets the message once, together with the stored copies for sessions connected
 *       there and the shared-subscription deliveries picked for members there. Never one copy per hop:
 *       the receiving node only delivers to its own connections.</li>
 * </ol>
 *
 * <p>A client with several subscriptions matching one topic gets one copy, at the highest QoS among them
 * [MQTT-3.3.5-1]; a shared subscription group gets one copy, for the one member this node picks.
 *
 * <p>Threads: {@link #accept} and {@link #dispatch} run on the publisher's event loop, {@link #onForward}
 * on the bus connection's; deliveries hop to each subscriber's event loop. The trees are thread-safe.
 */
public final class Router {

    private final Broker broker;
    private final TopicTree<Subscription> local = new TopicTree<>();
    /** Local subscriptions per filter: the route of a filter exists while its count is above zero. */
    private final Map<String, Integer> filterCounts = new HashMap<>();

    public Router(Broker broker) {
        this.broker = broker;
    }

    // ------------------------------------------------------------------ subscriptions

    /**
     * Adds a subscription of a channel connected here. Completes on {@code ctx} once every node can route
     * matching messages to it (so a publish anywhere after the SUBACK reaches it).
     */
    public Future<Void> addLocal(Subscription s, ContextInternal ctx) {
        String self = broker.nodeId();
        List<CompletionStage<?>> writes = new ArrayList<>(1);
        List<Sync> sync = new ArrayList<>(1);
        Channel ch = s.channel();
        if (s.shareGroup() != null) {
            int qos = s.options().qos();
            writes.add(broker.cluster().sharedGroups().join(s.filter(), ch.clientId(), self, qos, ch.persistent()));
            sync.add(new Sync(Sync.SHARED, SharedGroups.key(s.filter(), ch.clientId()), SharedGroups.value(self, qos, ch.persistent())));
        } else if (local.add(s.topicFilter(), s)) {
            boolean first;
            synchronized (filterCounts) {
                first = filterCounts.merge(s.topicFilter(), 1, Integer::sum) == 1;
                if (first) {
                    writes.add(broker.cluster().routes().add(s.topicFilter(), self));
                }
            }
            if (first) {
                sync.add(new Sync(Sync.ROUTE, RouteTable.key(s.topicFilter(), self), ""));
            }
        }
        return broker.syncCluster(writes, sync, ctx);
    }

    /** Removes a subscription of a channel connected here (unsubscribe or disconnect). */
    public void removeLocal(Subscription s) {
        if (s.shareGroup() != null) {
            broker.cluster().sharedGroups().leave(s.filter(), s.channel().clientId());
            return;
        }
        if (!local.remove(s.topicFilter(), s)) {
            return;
        }
        synchronized (filterCounts) {
            Integer n = filterCounts.get(s.topicFilter());
            if (n == null || n <= 1) {
                filterCounts.remove(s.topicFilter());
                broker.cluster().routes().remove(s.topicFilter(), broker.nodeId());
            } else {
                filterCounts.put(s.topicFilter(), n - 1);
            }
        }
    }

    /** A persistent session's QoS 1/2 subscription: visible to every node before it completes. */
    public Future<Void> addDurable(String clientId, String filter, SubOptions options, ContextInternal ctx) {
        CompletionStage<Void> write = broker.cluster().durableSubscriptions().add(clientId, filter, options);
        Sync sync = new Sync(Sync.DURABLE, DurableSubscriptions.key(clientId, filter),
                String.valueOf(DurableSubscriptions.pack(options)));
        return broker.syncCluster(List.of(write), List.of(sync), ctx);
    }

    public Future<Void> removeDurable(String clientId, String filter, ContextInternal ctx) {
        return Future.fromCompletionStage(broker.cluster().durableSubscriptions().remove(clientId, filter), ctx).mapEmpty();
    }

    /** Applies subscription-table changes pushed by another node. */
    public void applySync(List<Sync> changes) {
        for (Sync c : changes) {
            switch (c.table()) {
                case Sync.ROUTE -> broker.cluster().routes().mirrorPut(c.key(), Boolean.TRUE);
                case Sync.DURABLE -> broker.cluster().durableSubscriptions().mirrorPut(c.key(), Long.parseLong(c.value()));
                case Sync.SHARED -> broker.cluster().sharedGroups().mirrorPut(c.key(), c.value());
                default -> { }
            }
        }
    }

    /** Subscriptions of clients connected to this node (shared ones not counted). */
    public int localSubscriptionCount() {
        return local.size();
    }

    /** Calls {@code sink} with every retained message matching a filter. */
    public void retainedFor(String filter, Consumer<Message> sink) {
        broker.cluster().retained().match(filter, sink);
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
     * Subscribers connected here that get this message directly (not through a stored queue). Most topics
     * match one subscription or none; the matches are merged per subscriber (one copy at the highest QoS)
     * only when one subscriber has several, and without a map when there are few.
     */
    private void matchLocal(Message message, String[] levels, boolean dollar, String publisherId, List<Publication.Direct> out) {
        ArrayList<Subscription> found = new ArrayList<>(4);
        local.match(levels, dollar, sub -> {
            if (!(sub.options().noLocal() && sub.channel().clientId().equals(publisherId))) {
                found.add(sub); // (else MQTT 5 No Local [MQTT-3.8.3-3])
            }
        });
        int n = found.size();
        if (n == 0) {
            return;
        }
        if (n <= 16) {
            // merge duplicates by a scan: cheaper than a map for a handful
            for (int i = 0; i < n; i++) {
                Subscription s = found.get(i);
                if (s == null) {
                    continue;
                }
                Channel ch = s.channel();
                int qos = Math.min(message.qos(), s.options().qos());
                boolean retain = s.options().retainAsPublished() && message.retain();
                for (int j = i + 1; j < n; j++) {
                    Subscription t = found.get(j);
                    if (t != null && t.channel() == ch) {
                        qos = Math.max(qos, Math.min(message.qos(), t.options().qos()));
                        retain |= t.options().retainAsPublished() && message.retain();
                        found.set(j, null);
                    }
                }
                if (!(ch.persistent() && qos >= 1)) { // else it goes through its stored queue
                    out.add(new Publication.Direct(ch, qos, retain, null));
                }
            }
            return;
        }
        Map<Channel, Match> byChannel = new IdentityHashMap<>(n * 2);
        for (Subscription sub : found) {
            byChannel.computeIfAbsent(sub.channel(), c -> new Match()).add(message, sub.options());
        }
        for (Map.Entry<Channel, Match> e : byChannel.entrySet()) {
            Channel ch = e.getKey();
            Match m = e.getValue();
            if (ch.persistent() && m.qos >= 1) {
                continue; // goes through its stored queue (found in the durable mirror by the receiving node)
            }
            out.add(new Publication.Direct(ch, m.qos, m.retainFlag, null));
        }
    }

    /**
     * Works out where a message goes and starts storing what must be stored. The returned publication's
     * {@link Publication#stored()} completes on {@code context}.
     *
     * @param mayBeDuplicate the publisher may have sent this message (same id) before: stores skip a copy
     *                       they already hold
     */
    public Publication accept(Message message, String publisherId, boolean mayBeDuplicate, ContextInternal context) {
        String topic = message.topic();
        String[] levels = Topics.levels(topic);
        boolean dollar = Topics.isDollarTopic(topic);
        String self = broker.nodeId();
        List<Publication.Direct> direct = new ArrayList<>(4);
        matchLocal(message, levels, dollar, publisherId, direct);

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
        SharedGroups shared = broker.cluster().sharedGroups();
        if (shared.groupCount() > 0) {
            List<Map.Entry<String, Target>> sharedDurable = new ArrayList<>();
            Map<String, List<SharedDelivery>> byNode = new HashMap<>();
            String strategy = broker.config().sharedStrategy();
            shared.match(levels, dollar, group -> {
                SharedGroups.Member m = group.pick(strategy, publisherId, self, null);
                if (m == null) {
                    broker.metrics().dropped(DropReason.NO_SHARED_MEMBER);
                    return;
                }
                int qos = Math.min(message.qos(), m.qos());
                if (m.persistent() && qos >= 1) {
                    sharedDurable.add(Map.entry(m.clientId(), new Target(qos, false, group.key(), null)));
                } else if (m.node().equals(self)) {
                    Channel ch = broker.sessions().channel(m.clientId());
                    if (ch != null) {
                        direct.add(new Publication.Direct(ch, qos, false, group.key()));
                    }
                } else {
                    byNode.computeIfAbsent(m.node(), n -> new ArrayList<>(1)).add(new SharedDelivery(m.clientId(), qos, group.key()));
                }
            });
            for (Map.Entry<String, Target> e : sharedDurable) {
                if (durable == null) {
                    durable = new HashMap<>();
                }
                // one stored copy per session per call: if the client also gets it through a plain
                // subscription, the shared copy goes in a second call below
                if (durable.putIfAbsent(e.getKey(), e.getValue()) != null) {
                    Channel ch = broker.sessions().channel(e.getKey());
                    if (ch != null) {
                        direct.add(new Publication.Direct(ch, e.getValue().qos(), false, e.getValue().shareGroup()));
                    }
                }
            }
            remoteShared = byNode.isEmpty() ? null : byNode;
        }

        Set<String> remoteRoutes = null;
        if (broker.cluster().memberCount() > 1) {
            Set<String> nodes = new HashSet<>(4);
            broker.cluster().routes().match(levels, dollar, node -> {
                if (!node.equals(self)) {
                    nodes.add(node);
                }
            });
            remoteRoutes = nodes.isEmpty() ? null : nodes;
        }

        Publication p = new Publication(this, message, direct, durable, remoteRoutes, remoteShared);
        if (message.qos() >= 1 && !broker.hasQuorum()) {
            p.stored = Future.failedFuture(new IllegalStateException("the cluster is below its quorum"));
            return p;
        }
        Future<?> retainedWrite = null;
        if (message.retain() && broker.config().retainAvailable()) {
            retainedWrite = Future.fromCompletionStage(broker.cluster().retained().retain(message), context);
            if (message.qos() == 0) {
                retainedWrite = null; // nothing to acknowledge: do not wait
            }
        }
        Future<Publication> stored;
        if (durable != null && !durable.isEmpty()) {
            stored = Future.fromCompletionStage(broker.cluster().sessions().append(message, durable,
                            broker.config().maxQueuedMessages(), broker.config().dropOldest(), mayBeDuplicate), context)
                    .map(results -> {
                        p.durableResults = results;
                        return p;
                    });
        } else {
            stored = Future.succeededFuture(p);
        }
        if (retainedWrite != null) {
            Future<Publication> both = stored;
            stored = retainedWrite.compose(v -> both);
        }
        p.stored = stored;
        return p;
    }

    /** Persistent sessions a QoS 1/2 message goes to, merged per session; null when none (no allocation). */
    private Map<String, Match> durableMatches(Message message, String[] levels, boolean dollar, String publisherId) {
        Object[] holder = new Object[1];
        broker.cluster().durableSubscriptions().match(levels, dollar, (DurableSub ds) -> {
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

    /** Delivers an accepted, stored publication here and forwards it to other nodes. On the publisher's context. */
    void dispatch(Publication p) {
        Message message = p.message;
        for (Publication.Direct d : p.direct) {
            Channel ch = d.channel();
            ch.context().execute(() -> ch.deliverDirect(message, d.qos(), d.retainFlag(), d.shareKey()));
        }
        Map<String, List<Notice>> notices = null;
        if (p.durableResults != null) {
            String self = broker.nodeId();
            for (Map.Entry<String, AppendResult> e : p.durableResults.entrySet()) {
                AppendResult r = e.getValue();
                if (r == null) {
                    continue;
                }
                if (r.droppedOldest() > 0) {
                    broker.metrics().dropped(DropReason.QUEUE_FULL, r.droppedOldest());
                }
                if (r.status() == AppendResult.DROPPED_NEW) {
                    broker.metrics().dropped(DropReason.QUEUE_FULL);
                    continue;
                }
                if (r.status() != AppendResult.APPENDED || r.owner() == null) {
                    continue; // a copy already queued, or the session is offline: it reads its queue on return
                }
                Target t = p.durableTargets.get(e.getKey());
                QueuedMessage q = new QueuedMessage(r.seq(), message, t.qos(), t.retainFlag() ? QueuedMessage.RETAIN : 0,
                        t.shareGroup(), t.subscriptionIds());
                if (self.equals(r.owner())) {
                    deliverQueued(e.getKey(), r.epoch(), q);
                } else {
                    if (notices == null) {
                        notices = new HashMap<>();
                    }
                    notices.computeIfAbsent(r.owner(), n -> new ArrayList<>(2)).add(new Notice(e.getKey(), r.epoch(), q));
                }
            }
        }
        if (p.remoteRoutes == null && notices == null && p.remoteShared == null) {
            return;
        }
        Set<String> nodes = new HashSet<>();
        if (p.remoteRoutes != null) {
            nodes.addAll(p.remoteRoutes);
        }
        if (notices != null) {
            nodes.addAll(notices.keySet());
        }
        if (p.remoteShared != null) {
            nodes.addAll(p.remoteShared.keySet());
        }
        for (String node : nodes) {
            boolean matchThere = p.remoteRoutes != null && p.remoteRoutes.contains(node);
            broker.forward(node, ForwardCodec.encodeForward(message, matchThere,
                    notices == null ? null : notices.get(node), p.remoteShared == null ? null : p.remoteShared.get(node)));
        }
    }

    private void deliverQueued(String clientId, long epoch, QueuedMessage q) {
        Channel ch = broker.sessions().channel(clientId);
        if (ch != null) {
            ch.context().execute(() -> ch.deliverQueued(epoch, q));
        }
    }

    /** A message forwarded by another node: deliver it to this node's connections. On the bus's context. */
    public void onForward(ForwardCodec.Forward f) {
        Message message = f.message();
        if (f.matchLocal()) {
            List<Publication.Direct> direct = new ArrayList<>(4);
            matchLocal(message, Topics.levels(message.topic()), Topics.isDollarTopic(message.topic()), message.publisherId(), direct);
            for (Publication.Direct d : direct) {
                Channel ch = d.channel();
                ch.context().execute(() -> ch.deliverDirect(message, d.qos(), d.retainFlag(), null));
            }
        }
        for (Notice n : f.notices()) {
            deliverQueued(n.clientId(), n.epoch(), n.queued());
        }
        for (SharedDelivery d : f.shared()) {
            Channel ch = broker.sessions().channel(d.clientId());
            if (ch != null) {
                ch.context().execute(() -> ch.deliverDirect(message, d.qos(), false, d.shareKey()));
            } else {
                redispatchShared(message, d.qos(), d.shareKey(), d.clientId());
            }
        }
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
            chain = chain.compose(v -> {
                Publication p = new Publication(this, m, List.of(), target, null, null);
                return Future.fromCompletionStage(broker.cluster().sessions().append(m, target,
                                broker.config().maxQueuedMessages(), broker.config().dropOldest(), false), context)
                        .map(results -> {
                            p.durableResults = results;
                            dispatch(p);
                            return null;
                        });
            });
        }
        return chain;
    }

    /**
     * Publishes a will: stored like any QoS 1/2 publish, then dispatched. {@code context} is where the
     * continuation runs.
     */
    public Future<Void> publishWill(Message will, ContextInternal context) {
        Publication p = accept(will, will.publisherId(), false, context);
        return p.stored().map(pub -> {
            pub.dispatch();
            broker.metrics().willPublished();
            return null;
        });
    }

    /**
     * Gives a message of a shared subscription group to another member, because the one it went to left
     * before acknowledging it.
     */
    public void redispatchShared(Message message, int qos, String shareKey, String exceptClientId) {
        SharedGroups.Group group = broker.cluster().sharedGroups().group(shareKey);
        SharedGroups.Member m = group == null ? null
                : group.pick(broker.config().sharedStrategy(), message.publisherId(), broker.nodeId(), exceptClientId);
        if (m == null) {
            broker.metrics().dropped(DropReason.NO_SHARED_MEMBER);
            return;
        }
        int q = Math.min(qos, m.qos());
        if (m.node().equals(broker.nodeId())) {
            Channel ch = broker.sessions().channel(m.clientId());
            if (ch != null) {
                ch.context().execute(() -> ch.deliverDirect(message, q, false, shareKey));
            } else {
                broker.metrics().dropped(DropReason.NO_SHARED_MEMBER);
            }
        } else {
            broker.forward(m.node(), ForwardCodec.encodeForward(message, false, null,
                    List.of(new SharedDelivery(m.clientId(), q, shareKey))));
        }
    }
}
