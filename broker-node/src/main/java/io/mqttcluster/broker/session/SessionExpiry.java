package io.mqttcluster.broker.session;

import io.mqttcluster.broker.cluster.NodeState;
import io.mqttcluster.broker.metrics.BrokerMetrics;
import io.mqttcluster.broker.pubsub.Router;
import io.mqttcluster.broker.pubsub.Subscriptions;
import io.mqttcluster.cluster.ClusterView;
import io.vertx.core.Vertx;
import io.mqttcluster.cluster.message.Message;
import io.mqttcluster.cluster.session.ExpireResult;
import io.mqttcluster.cluster.session.QueuedMessage;
import io.vertx.core.Future;
import io.vertx.core.internal.ContextInternal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Ends persistent sessions whose expiry passed while they were offline, and publishes delayed wills when
 * they are due, without a client having to come back (invariant 12).
 *
 * <p>No coordinator: every node sweeps the sessions whose partitions it owns, every
 * {@code mqtt.session-expiry-check}; together the nodes cover every session, and a partition that moves
 * between two sweeps is swept by its new owner. Each session is checked again atomically by the
 * {@code Expire} rule, so a client that reconnects meanwhile keeps its session, and a will is published
 * once even if two nodes look at the same session.
 *
 * <p>An expired session leaves nothing behind: its record and queue go with the rule; its cluster-wide
 * subscriptions are removed here (only those of that incarnation of the session), so every node's mirror
 * forgets them and publishes stop being stored for it; the messages it got through shared groups go to
 * other members; a will still owed is published [MQTT-3.1.3-9].
 */
public final class SessionExpiry {

    private static final Logger log = LoggerFactory.getLogger(SessionExpiry.class);

    private final Vertx vertx;
    private final ClusterView cluster;
    private final NodeState state;
    private final BrokerMetrics metrics;
    private final Router router;
    private final Subscriptions subscriptions;
    private final ContextInternal systemContext;
    private final AtomicBoolean sweeping = new AtomicBoolean();
    private long timer = -1;

    public SessionExpiry(Vertx vertx, ClusterView cluster, NodeState state, BrokerMetrics metrics, Router router,
                         Subscriptions subscriptions, ContextInternal systemContext) {
        this.vertx = vertx;
        this.cluster = cluster;
        this.state = state;
        this.metrics = metrics;
        this.router = router;
        this.subscriptions = subscriptions;
        this.systemContext = systemContext;
    }

    public void start(long intervalMillis) {
        timer = vertx.setPeriodic(intervalMillis, t -> sweep());
    }

    public void stop() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    /** One sweep of the sessions this node holds; completes with the number of sessions that ended. */
    public Future<Integer> sweep() {
        if (!state.hasQuorum()) {
            return Future.succeededFuture(0); // the store refuses writes without quorum; the next sweep catches up
        }
        if (!sweeping.compareAndSet(false, true)) {
            return Future.succeededFuture(0);
        }
        ContextInternal ctx = systemContext;
        long now = System.currentTimeMillis();
        return vertx.<Set<String>>executeBlocking(() -> cluster.sessions().dueForExpiry(now), false)
                .compose(due -> {
                    List<Future<ExpireResult>> results = new ArrayList<>(due.size());
                    for (String id : due) {
                        results.add(Future.fromCompletionStage(cluster.sessions().expire(id, now), ctx)
                                .compose(r -> cleanUp(id, r, ctx).map(r)));
                    }
                    return Future.join(results).map(all -> {
                        int expired = 0;
                        for (int i = 0; i < all.size(); i++) {
                            ExpireResult r = all.resultAt(i);
                            if (r != null && r.expired()) {
                                expired++;
                            }
                        }
                        if (expired > 0) {
                            metrics.sessionsExpired(expired);
                            log.info("event=sessions_expired node={} sessions={}", cluster.nodeName(), expired);
                        }
                        return expired;
                    });
                })
                .onFailure(err -> log.warn("event=session_expiry_sweep_failed error=\"{}\"", err.toString()))
                .onComplete(ar -> sweeping.set(false));
    }

    /**
     * After an operator deleted a session (the store's {@code delete}): the same clean-up as after an expiry, so
     * nothing of it stays in the mirrored tables (invariant 12); the delete carries no will.
     */
    public Future<Void> deleted(String clientId, ExpireResult r, ContextInternal ctx) {
        return cleanUp(clientId, r, ctx);
    }

    private Future<Void> cleanUp(String clientId, ExpireResult r, ContextInternal ctx) {
        List<Future<?>> work = new ArrayList<>();
        Message will = r.will();
        if (will != null) {
            log.info("event=will_published client_id={} topic={} reason={}", clientId, will.topic(),
                    r.expired() ? "session_expired" : "will_delay_passed");
            work.add(router.publishWill(will, ctx));
        }
        if (r.expired()) {
            log.debug("event=session_expired client_id={} subscriptions={} queued_dropped={} shared_redispatched={}",
                    clientId, r.subscriptions().size(), r.queuedDropped(), r.sharedCopies().size());
            for (String filter : r.subscriptions()) {
                work.add(subscriptions.removeDurable(clientId, filter, r.sessionUid(), ctx));
                if (io.mqttcluster.cluster.topic.SharedSubscription.isShared(filter)) {
                    // a member whose node died stayed in its groups, offline, until now
                    work.add(subscriptions.forgetOfflineMember(filter, clientId, ctx));
                }
            }
            for (QueuedMessage q : r.sharedCopies()) {
                work.add(router.redispatchShared(q.message(), q.qos(), q.shareGroup(), clientId, ctx));
            }
        }
        return Future.join(work).mapEmpty();
    }
}
