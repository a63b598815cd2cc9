package io.mqttcluster.broker.protocol;

import io.mqttcluster.broker.auth.Acl;

import io.mqttcluster.broker.mqtt.ReasonCode;

import io.mqttcluster.broker.pubsub.Subscription;
import io.mqttcluster.cluster.message.Message;
import io.mqttcluster.cluster.session.SubOptions;
import io.mqttcluster.cluster.topic.SharedSubscription;
import io.mqttcluster.cluster.topic.Topics;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One connection's subscriptions: SUBSCRIBE and UNSUBSCRIBE (validation, granted QoS, the ACL, retained
 * messages after the SUBACK), the subscriptions of a resumed session, and those the rules take away.
 *
 * <p>Where a subscription lives: in this node's {@link io.mqttcluster.broker.pubsub.LocalSubscriptions}
 * while the client is connected; for a persistent session also in its session record and, at QoS 1/2, in
 * the cluster-wide durable subscriptions (so messages are stored for it while it is away). Removals from
 * the cluster-wide table are fenced twice: the session record refuses them from a connection that was
 * taken over, and the table entry is removed only if it belongs to this session incarnation.
 *
 * <p>Owned by the connection's event loop.
 */
final class SubscribeRequests {

    private static final Logger log = LoggerFactory.getLogger(SubscribeRequests.class);

    private final ClientProtocol channel;
    private Map<String, Subscription> subscriptions;

    SubscribeRequests(ClientProtocol channel) {
        this.channel = channel;
    }

    private Map<String, Subscription> subscriptions() {
        if (subscriptions == null) {
            subscriptions = new LinkedHashMap<>(4);
        }
        return subscriptions;
    }

    void onSubscribe(Packets.Subscribe s) {
        ProtocolServices svc = channel.services();
        int v5 = channel.protocolVersion();
        int n = s.requests().size();
        int[] codes = new int[n];
        List<Future<?>> writes = new ArrayList<>();
        Map<String, SubOptions> stored = new LinkedHashMap<>();
        List<String> downgraded = new ArrayList<>();
        List<Subscription> sendRetained = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Packets.TopicRequest r = s.requests().get(i);
            String filter = r.filter();
            SubOptions requested = r.options();
            int granted = Math.min(requested.qos(), svc.config().maxQos());
            SubOptions options = new SubOptions(granted, requested.noLocal(), requested.retainAsPublished(),
                    requested.retainHandling(), requested.subscriptionId());
            Subscription existing = subscriptions().get(filter);
            if (existing == null && subscriptions().size() >= svc.config().maxSubscriptionsPerClient()) {
                codes[i] = v5 >= 5 ? 0x97 : 0x80; // quota exceeded
                continue;
            }
            Subscription sub = newSubscription(filter, options);
            if (sub == null) {
                codes[i] = v5 >= 5 ? 0x8F : 0x80; // topic filter invalid [MQTT-3.9.3-2]
                continue;
            }
            Acl.Grant grant = channel.access().subscribe(sub); // SOME: granted, filtered per message
            if (grant == Acl.Grant.NONE) {
                codes[i] = v5 >= 5 ? 0x87 : 0x80; // not authorized: every topic of the filter is denied
                svc.metrics().subscribeDenied();
                if (log.isDebugEnabled()) {
                    log.debug("event=subscribe_denied client_id={} user={} filter={}", channel.clientId(), channel.user(), filter);
                }
                continue;
            }
            if (existing != null) {
                svc.subscriptions().removeLocal(existing); // replaces it completely [MQTT-3.8.4-3]
            }
            subscriptions().put(filter, sub);
            writes.add(channel.ops().track(svc.subscriptions().addLocal(sub, channel.context())));
            if (channel.persistent()) {
                stored.put(filter, options);
                if (sub.shareGroup() == null) {
                    if (granted >= 1) {
                        writes.add(channel.ops().track(svc.subscriptions().addDurable(channel.clientId(), filter, options,
                                channel.sessionUid(), channel.context())));
                    } else if (existing != null && existing.options().qos() >= 1) {
                        downgraded.add(filter);
                    }
                }
            }
            codes[i] = granted;
            boolean retainedWanted = v5 < 5 || options.retainHandling() == 0
                    || (options.retainHandling() == 1 && existing == null);
            if (sub.shareGroup() == null && retainedWanted && svc.config().retainAvailable()) {
                sendRetained.add(sub);
            }
        }
        if (channel.persistent() && !stored.isEmpty()) {
            writes.add(channel.ops().retrying(() -> svc.store().updateSubscriptions(channel.clientId(), channel.epoch(), stored, List.of()))
                    .compose(applied -> applied ? removeDurable(downgraded) : Future.succeededFuture()));
        }
        int packetId = s.packetId();
        whenStored(writes, () -> {
            channel.out().suback(packetId, codes);
            for (Subscription sub : sendRetained) {
                sendRetained(sub);
            }
        });
    }

    /** Retained messages for a new subscription, with RETAIN=1 [MQTT-3.3.1-6] [MQTT-3.3.1-8]. */
    private void sendRetained(Subscription sub) {
        List<Message> matching = new ArrayList<>();
        long now = System.currentTimeMillis();
        channel.services().subscriptions().retainedFor(sub.topicFilter(), m -> {
            if (!m.isExpired(now)) {
                matching.add(m);
            }
        });
        if (matching.isEmpty()) {
            return;
        }
        int granted = sub.options().qos();
        List<Message> queued = new ArrayList<>();
        for (Message m : matching) {
            int qos = Math.min(m.qos(), granted);
            if (qos == 0 || !channel.persistent()) {
                channel.deliverDirect(m, qos, true, null,
                        sub.options().subscriptionId() == 0 ? null : new int[]{sub.options().subscriptionId()});
            } else {
                queued.add(m);
            }
        }
        if (!queued.isEmpty()) {
            channel.ops().track(channel.services().router().queueFor(channel.clientId(), queued, granted, channel.context()));
        }
    }

    void onUnsubscribe(Packets.Unsubscribe u) {
        List<Subscription> removed = new ArrayList<>();
        int[] codes = new int[u.filters().size()];
        int i = 0;
        for (String filter : u.filters()) {
            Subscription existing = subscriptions().remove(filter);
            if (existing != null) {
                channel.services().subscriptions().removeLocal(existing);
                removed.add(existing);
            } else {
                codes[i] = ReasonCode.NO_SUBSCRIPTION_EXISTED;
            }
            i++;
        }
        List<Future<?>> writes = forgetStored(removed, null);
        int packetId = u.packetId();
        whenStored(writes, () -> channel.out().unsuback(packetId, codes));
    }

    /**
     * Removes subscriptions (already out of the local tables) from the stored session, then, if this
     * connection still holds it, from the durable subscriptions.
     *
     * @param revoked why the ACL took them away, for the log; null for an UNSUBSCRIBE
     */
    private List<Future<?>> forgetStored(List<Subscription> subs, String revoked) {
        List<Future<?>> writes = new ArrayList<>();
        if (revoked != null && !subs.isEmpty()) {
            channel.services().metrics().subscriptionsRevoked(subs.size());
            log.info("event=subscriptions_revoked client_id={} user={} reason={} filters={}", channel.clientId(),
                    channel.user(), revoked, subs.stream().map(Subscription::filter).toList());
        }
        if (!channel.persistent() || subs.isEmpty()) {
            return writes;
        }
        List<String> filters = new ArrayList<>(subs.size());
        List<String> durable = new ArrayList<>(subs.size());
        for (Subscription sub : subs) {
            filters.add(sub.filter());
            if (sub.shareGroup() == null && sub.options().qos() >= 1) {
                durable.add(sub.filter());
            }
        }
        writes.add(channel.ops().retrying(() -> channel.services().store().updateSubscriptions(channel.clientId(), channel.epoch(), Map.of(), filters))
                .compose(applied -> applied ? removeDurable(durable) : Future.succeededFuture()));
        return writes;
    }

    private Future<Void> removeDurable(List<String> filters) {
        if (filters.isEmpty()) {
            return Future.succeededFuture();
        }
        List<Future<Void>> removals = new ArrayList<>(filters.size());
        for (String f : filters) {
            removals.add(channel.services().subscriptions().removeDurable(channel.clientId(), f, channel.sessionUid(), channel.context()));
        }
        return Future.all(removals).mapEmpty();
    }

    /** The subscriptions of a resumed session: back into the local tables, unless the rules changed meanwhile. */
    void resume(Map<String, SubOptions> stored) {
        List<Subscription> denied = new ArrayList<>();
        for (Map.Entry<String, SubOptions> e : stored.entrySet()) {
            Subscription sub = newSubscription(e.getKey(), e.getValue());
            if (sub == null) {
                continue;
            }
            if (channel.access().subscribe(sub) == Acl.Grant.NONE) {
                denied.add(sub); // the rules changed while the client was away
                continue;
            }
            subscriptions().put(e.getKey(), sub);
            channel.ops().track(channel.services().subscriptions().addLocal(sub, channel.context()));
        }
        if (!denied.isEmpty()) {
            forgetStored(denied, "revoked_on_resume");
        }
    }

    /** A clean start discarded an earlier session: its cluster-wide subscriptions go (only that incarnation's). */
    void discard(List<String> filters, long discardedSessionUid) {
        for (String filter : filters) {
            if (!SharedSubscription.isShared(filter)) {
                channel.ops().track(channel.services().subscriptions().removeDurable(channel.clientId(), filter, discardedSessionUid,
                        channel.context()));
            } else {
                // the old session's membership, left offline when its node died
                channel.ops().track(channel.services().subscriptions().forgetOfflineMember(filter, channel.clientId(), channel.context()));
            }
        }
    }

    /** After the rules were reloaded: drops the subscriptions they no longer allow (3.1.1 cannot tell the client). */
    void recheckAcl() {
        if (subscriptions == null || subscriptions.isEmpty()) {
            return;
        }
        List<Subscription> denied = new ArrayList<>();
        for (Subscription sub : subscriptions.values()) {
            if (channel.access().subscribe(sub) == Acl.Grant.NONE) {
                denied.add(sub);
            }
        }
        for (Subscription sub : denied) {
            subscriptions.remove(sub.filter());
            channel.services().subscriptions().removeLocal(sub);
        }
        forgetStored(denied, "rules_reloaded");
    }

    /** The connection ended: out of the local tables (the stored session keeps them). */
    void releaseLocal() {
        if (subscriptions != null) {
            for (Subscription sub : subscriptions.values()) {
                channel.services().subscriptions().connectionEnded(sub);
            }
        }
    }

    boolean hasShared() {
        if (subscriptions != null) {
            for (Subscription s : subscriptions.values()) {
                if (s.shareGroup() != null) {
                    return true;
                }
            }
        }
        return false;
    }

    Map<String, SubOptions> options() {
        Map<String, SubOptions> m = new HashMap<>();
        if (subscriptions != null) {
            subscriptions.forEach((f, s) -> m.put(f, s.options()));
        }
        return m;
    }

    private Subscription newSubscription(String filter, SubOptions options) {
        if (SharedSubscription.isShared(filter)) {
            try {
                SharedSubscription shared = SharedSubscription.parse(filter, channel.services().topicLimits());
                return new Subscription(channel, filter, shared.filter(), options, shared.group());
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        if (Topics.checkFilter(filter, channel.services().topicLimits()) != null) {
            return null;
        }
        return new Subscription(channel, filter, filter, options, null);
    }

    private void whenStored(List<Future<?>> writes, Runnable then) {
        if (writes.isEmpty()) {
            then.run();
            return;
        }
        Future.all(writes).onComplete(ar -> {
            if (!channel.isConnected()) {
                return;
            }
            if (ar.failed()) {
                channel.storeFailed("subscription", ar.cause());
                return;
            }
            then.run();
        });
    }
}
