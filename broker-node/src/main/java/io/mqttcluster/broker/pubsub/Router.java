package io.mqttcluster.broker.pubsub;

import io.mqttcluster.broker.Broker;
import io.mqttcluster.broker.channel.Channel;
import io.mqttcluster.broker.metrics.BrokerMetrics.DropReason;
import io.mqttcluster.cluster.message.Message;
import io.mqttcluster.cluster.route.DurableSubscriptions.DurableSub;
import io.mqttcluster.cluster.session.QueuedMessage;
import io.mqttcluster.cluster.session.SessionProcessors.Target;
import io.mqttcluster.cluster.session.SessionResults.AppendResult;
import io.mqttcluster.cluster.topic.TopicTree;
import io.vertx.core.Future;
import io.vertx.core.internal.ContextInternal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The publish path of this node: for one message, finds every subscription it matches and gets it to
 * each subscriber once.
 *
 * <p>Two ways out. Subscribers connected here that need no stored copy (clean sessions, and QoS 0
 * deliveries to any session) are found in the local topic tree and handed the message directly.
 * Persistent sessions that get it at QoS 1 or 2, connected or not, here or elsewhere, are found in the
 * cluster-wide mirror of their subscriptions; the message is queued for all of them in one call to the
 * session store, and only when that call succeeds may the publisher be acknowledged. The store answers,
 * per session, with the queue position and the node holding the session's connection, and the message is
 * then sent to that session with its position.
 *
 * <p>A client with several subscriptions matching one topic gets one copy, at the highest QoS among them
 * [MQTT-3.3.5-1]; a shared subscription group gets one copy for one of its members.
 *
 * <p>Threads: {@link #accept} and {@link #dispatch} run on the publisher's event loop; deliveries hop to
 * each subscriber's event loop. The trees are thread-safe.
 */
public final class Router {

    private final Broker broker;
    private final TopicTree<Subscription> local = new TopicTree<>();
    private final SharedGroups shared = new SharedGroups();

    public Router(Broker broker) {
        this.broker = broker;
    }

    public void addLocal(Subscription s) {
        if (s.shareGroup() != null) {
            shared.add(s);
        } else {
            local.add(s.topicFilter(), s);
        }
    }

    public void removeLocal(Subscription s) {
        if (s.shareGroup() != null) {
            shared.remove(s);
        } else {
            local.remove(s.topicFilter(), s);
        }
    }

    /** Subscriptions of clients connected to this node. */
    public int localSubscriptionCount() {
        return local.size();
    }

    public SharedGroups shared() {
        return shared;
    }

    /** Calls {@code sink} with every retained message matching a filter. */
    public void retainedFor(String filter, Consumer<Message> sink) {
        broker.cluster().retained().match(filter, sink);
    }

    /** Per subscriber: the highest QoS among its matching subscriptions and what else the copy carries. */
    private static final class Match {
        int qos = -1;
        boolean retainFlag;
        List<Integer> subscriptionIds;

        void add(Message m, io.mqttcluster.cluster.session.SubOptions o) {
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
     * Works out where a message goes and starts storing what must be stored. The returned publication's
     * {@link Publication#stored()} completes on {@code context}.
     *
     * @param mayBeDuplicate the publisher may have sent this message (same id) before: stores skip a copy
     *                       they already hold
     */
    public Publication accept(Message message, String publisherId, boolean mayBeDuplicate, ContextInternal context) {
        String topic = message.topic();

        Map<Channel, Match> byChannel = new IdentityHashMap<>();
        local.match(topic, sub -> {
            if (sub.options().noLocal() && sub.channel().clientId().equals(publisherId)) {
                return; // MQTT 5 No Local [MQTT-3.8.3-3]
            }
            byChannel.computeIfAbsent(sub.channel(), c -> new Match()).add(message, sub.options());
        });

        List<Publication.Direct> direct = new ArrayList<>(byChannel.size());
        for (Map.Entry<Channel, Match> e : byChannel.entrySet()) {
            Channel ch = e.getKey();
            Match m = e.getValue();
            if (ch.persistent() && m.qos >= 1) {
                continue; // goes through its stored queue (found below in the durable mirror)
            }
            direct.add(new Publication.Direct(ch, m.qos, m.retainFlag, null));
        }

        Map<String, Target> durable = null;
        if (message.qos() >= 1) {
            Map<String, Match> byClient = new HashMap<>();
            broker.cluster().durableSubscriptions().match(topic, (DurableSub ds) -> {
                if (ds.options().noLocal() && ds.clientId().equals(publisherId)) {
                    return;
                }
                byClient.computeIfAbsent(ds.clientId(), c -> new Match()).add(message, ds.options());
            });
            if (!byClient.isEmpty()) {
                durable = new HashMap<>(byClient.size() * 2);
                for (Map.Entry<String, Match> e : byClient.entrySet()) {
                    Match m = e.getValue();
                    if (m.qos >= 1) {
                        durable.put(e.getKey(), new Target(m.qos, m.retainFlag, null, m.ids()));
                    }
                }
            }
        }

        Map<String, Target> durableWithShared = durable;
        if (shared.groupCount() > 0) {
            List<Map.Entry<Channel, Target>> sharedDurable = new ArrayList<>();
            shared.match(topic, group -> {
                Subscription member = group.pick(broker.config().sharedStrategy(), publisherId, null);
                if (member == null) {
                    broker.metrics().dropped(DropReason.NO_SHARED_MEMBER);
                    return;
                }
                int qos = Math.min(message.qos(), member.options().qos());
                Channel ch = member.channel();
                if (ch.persistent() && qos >= 1) {
                    sharedDurable.add(Map.entry(ch, new Target(qos, false, group.key(), null)));
                } else {
                    direct.add(new Publication.Direct(ch, qos, false, group.key()));
                }
            });
            for (Map.Entry<Channel, Target> e : sharedDurable) {
                if (durableWithShared == null) {
                    durableWithShared = new HashMap<>();
                }
                if (durableWithShared.putIfAbsent(e.getKey().clientId(), e.getValue()) != null) {
                    // the client also gets it through a plain subscription; one stored copy per call,
                    // so this one goes directly
                    direct.add(new Publication.Direct(e.getKey(), e.getValue().qos(), false, e.getValue().shareGroup()));
                }
            }
        }

        Publication p = new Publication(this, message, direct, durableWithShared);
        Future<?> retainedWrite = null;
        if (message.retain() && broker.config().retainAvailable()) {
            retainedWrite = Future.fromCompletionStage(broker.cluster().retained().retain(message), context);
            if (message.qos() == 0) {
                retainedWrite = null; // nothing to acknowledge: do not wait
            }
        }
        Future<Publication> stored;
        if (durableWithShared != null && !durableWithShared.isEmpty()) {
            stored = Future.fromCompletionStage(broker.cluster().sessions().append(message, durableWithShared,
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

    /** Delivers an accepted, stored publication. On the publisher's context. */
    void dispatch(Publication p) {
        Message message = p.message;
        for (Publication.Direct d : p.direct) {
            Channel ch = d.channel();
            ch.context().execute(() -> ch.deliverDirect(message, d.qos(), d.retainFlag(), d.shareKey()));
        }
        if (p.durableResults == null) {
            return;
        }
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
                continue; // duplicate of a copy already queued, or the session is offline
            }
            Target t = p.durableTargets.get(e.getKey());
            QueuedMessage q = new QueuedMessage(r.seq(), message, t.qos(), t.retainFlag() ? QueuedMessage.RETAIN : 0,
                    t.shareGroup(), t.subscriptionIds());
            if (self.equals(r.owner())) {
                Channel ch = broker.sessions().channel(e.getKey());
                if (ch != null) {
                    long epoch = r.epoch();
                    ch.context().execute(() -> ch.deliverQueued(epoch, q));
                }
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
                Publication p = new Publication(this, m, List.of(), target);
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

    /** Sends a message of a shared subscription group to another member (its member left). */
    public void redispatchShared(Message message, int qos, String shareKey, Channel except) {
        SharedGroups.Group group = shared.get(shareKey);
        Subscription member = group == null ? null : group.pick(broker.config().sharedStrategy(), message.publisherId(), except);
        if (member == null) {
            broker.metrics().dropped(DropReason.NO_SHARED_MEMBER);
            return;
        }
        Channel ch = member.channel();
        int q = Math.min(qos, member.options().qos());
        ch.context().execute(() -> ch.deliverDirect(message, q, false, shareKey));
    }
}
