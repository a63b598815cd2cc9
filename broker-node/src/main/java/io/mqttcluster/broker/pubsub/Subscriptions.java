package io.mqttcluster.broker.pubsub;

import io.mqttcluster.broker.cluster.ForwardCodec.Sync;
import io.mqttcluster.broker.cluster.NodeLink;
import io.mqttcluster.cluster.ClusterView;
import io.mqttcluster.cluster.message.Message;
import io.mqttcluster.cluster.route.DurableSubscriptions;
import io.mqttcluster.cluster.route.SharedGroups;
import io.mqttcluster.cluster.session.SubOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * The subscription tables as this node changes them: subscriptions of clients connected here
 * ({@link LocalSubscriptions} and the route table behind it), persistent sessions' subscriptions (the durable
 * table), shared-group memberships, and the changes other nodes push (SYNC). A change that a SUBACK depends on
 * completes once every node can route by it. What a publish matches is the {@link Router}'s business.
 *
 * <p>Thread-safe; results come back on the caller's context.
 */
public final class Subscriptions {

    private final ClusterView cluster;
    private final NodeLink link;
    private final Vertx vertx;
    private final LocalSubscriptions local;
    private final Dispatcher dispatcher;

    public Subscriptions(ClusterView cluster, NodeLink link, Vertx vertx, LocalSubscriptions local, Dispatcher dispatcher) {
        this.cluster = cluster;
        this.link = link;
        this.vertx = vertx;
        this.local = local;
        this.dispatcher = dispatcher;
    }

    /**
     * Adds a subscription of a client connected here. Completes on {@code ctx} once every node can route
     * matching messages to it (so a publish anywhere after the SUBACK reaches it).
     */
    public Future<Void> addLocal(Subscription s, ContextInternal ctx) {
        String self = cluster.nodeId();
        List<CompletionStage<?>> writes = new ArrayList<>(1);
        List<Sync> sync = new ArrayList<>(1);
        Subscriber sub = s.subscriber();
        if (s.shareGroup() != null) {
            int qos = s.options().qos();
            writes.add(cluster.sharedGroups().join(s.filter(), sub.clientId(), self, qos, sub.persistent()));
            sync.add(new Sync(Sync.SHARED, SharedGroups.key(s.filter(), sub.clientId()), SharedGroups.value(self, qos, sub.persistent())));
        } else {
            CompletionStage<Void> routeWrite = local.add(s);
            if (routeWrite != null) {
                writes.add(routeWrite);
                sync.add(new Sync(Sync.ROUTE, io.mqttcluster.cluster.route.RouteTable.key(s.topicFilter(), self), ""));
            }
        }
        return link.syncCluster(writes, sync, ctx);
    }

    /** Removes a subscription of a client connected here (unsubscribed, replaced or no longer allowed). */
    public void removeLocal(Subscription s) {
        if (s.shareGroup() != null) {
            cluster.sharedGroups().leave(s.filter(), s.subscriber().clientId(), cluster.nodeId());
        } else {
            local.remove(s);
        }
    }

    /**
     * A subscription of a client whose connection here ended: out of this node's tables. A persistent session's
     * QoS 1/2 shared-group membership stays, offline, since the session still subscribes (see
     * {@link SharedGroups#disconnected}).
     */
    public void connectionEnded(Subscription s) {
        if (s.shareGroup() != null) {
            cluster.sharedGroups().disconnected(s.filter(), s.subscriber().clientId(), cluster.nodeId());
        } else {
            local.remove(s);
        }
    }

    /** A persistent session's QoS 1/2 subscription: visible to every node before it completes. */
    public Future<Void> addDurable(String clientId, String filter, SubOptions options, long sessionUid, ContextInternal ctx) {
        CompletionStage<Void> write = cluster.durableSubscriptions().add(clientId, filter, options, sessionUid);
        long[] value = DurableSubscriptions.value(options, sessionUid);
        Sync sync = new Sync(Sync.DURABLE, DurableSubscriptions.key(clientId, filter), value[0] + ":" + value[1]);
        return link.syncCluster(List.of(write), List.of(sync), ctx);
    }

    /** Removes a persistent session's subscription if it still belongs to the session incarnation {@code sessionUid}. */
    public Future<Void> removeDurable(String clientId, String filter, long sessionUid, ContextInternal ctx) {
        return Future.fromCompletionStage(cluster.durableSubscriptions().remove(clientId, filter, sessionUid), ctx).mapEmpty();
    }

    /** Applies subscription-table changes pushed by another node. */
    public void applySync(List<Sync> changes) {
        for (Sync c : changes) {
            switch (c.table()) {
                case Sync.ROUTE -> cluster.routes().mirrorPut(c.key());
                case Sync.DURABLE -> {
                    int colon = c.value().indexOf(':');
                    cluster.durableSubscriptions().mirrorPut(c.key(), new long[]{
                            Long.parseLong(c.value().substring(0, colon)), Long.parseLong(c.value().substring(colon + 1))});
                }
                case Sync.SHARED -> cluster.sharedGroups().mirrorPut(c.key(), c.value());
                default -> { }
            }
        }
    }

    /**
     * Removes a client's offline membership of a shared group (its node died; now its session ended or started
     * clean, or a stored copy for it found no session), here at once and in the cluster map. A membership it has
     * since written by connecting again stays.
     */
    public Future<Void> forgetOfflineMember(String subscriptionFilter, String clientId, ContextInternal ctx) {
        cluster.sharedGroups().forgetOffline(subscriptionFilter, clientId);
        Promise<Void> done = ctx.promise();
        vertx.executeBlocking(() -> {
            cluster.sharedGroups().leaveIfOffline(subscriptionFilter, clientId);
            return null;
        }, false).<Void>mapEmpty().onComplete(done);
        return done.future();
    }

    /** Writes a shared-group membership of a client connected here again (it was removed as a leftover meanwhile). */
    public void rejoinShared(String subscriptionFilter, String clientId) {
        Subscriber sub = dispatcher.client(clientId);
        if (sub == null) {
            return;
        }
        sub.context().execute(() -> {
            SubOptions o = sub.subscription(subscriptionFilter);
            if (o != null && dispatcher.client(clientId) == sub) {
                cluster.sharedGroups().join(subscriptionFilter, clientId, cluster.nodeId(), o.qos(), sub.persistent());
            }
        });
    }

    /** Removes this node's route for a filter if no client here subscribes to it; see {@link LocalSubscriptions}. */
    public boolean removeRouteIfUnused(String filter) {
        return local.removeRouteIfUnused(filter);
    }

    /** Subscriptions of clients connected to this node (shared ones not counted). */
    public int localSubscriptionCount() {
        return local.size();
    }

    /** Calls {@code sink} with every retained message matching a filter. */
    public void retainedFor(String filter, Consumer<Message> sink) {
        cluster.retained().match(filter, sink);
    }
}
