package io.mqttcluster.broker.session;

import io.mqttcluster.broker.cluster.NodeLink;
import io.mqttcluster.broker.cluster.NodeState;
import io.mqttcluster.broker.pubsub.Router;
import io.mqttcluster.cluster.ClusterView;
import io.mqttcluster.cluster.message.Message;
import io.mqttcluster.cluster.session.ClaimRequest;
import io.mqttcluster.cluster.session.ClaimResult;
import io.mqttcluster.cluster.session.QueuedMessage;
import io.mqttcluster.cluster.session.ReleaseResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which client ids are connected to this node, and the rules of connecting and leaving.
 *
 * <p><b>The race of many connections with one client id.</b> Two CONNECTs with the same id can arrive
 * at once, on this node or on two nodes. The cluster decides with an atomic claim on the id's session
 * record: each claim gets the next epoch and learns who held the id before, and the higher epoch wins.
 * On this node, CONNECTs for one id are also taken one after the other, so the registry holds one
 * channel per id. A connection that claimed the id closes the previous holder's connection without its
 * will, and waits for that connection's last acknowledgements to reach the store before it reads the
 * session's queue, so no message it resends was already completed by the client.
 *
 * <p>Thread-safe; continuations run on the connecting channel's context.
 *
 * @param <C> the connections it registers
 */
public final class SessionManager<C extends LocalClient> {

    private static final Logger log = LoggerFactory.getLogger(SessionManager.class);

    private final ClusterView cluster;
    private final NodeState state;
    private final NodeLink link;
    private final Router router;
    private final Map<String, C> registry = new ConcurrentHashMap<>();
    private final Map<String, Future<?>> connecting = new ConcurrentHashMap<>();
    private final java.security.SecureRandom random = new java.security.SecureRandom();

    public SessionManager(ClusterView cluster, NodeState state, NodeLink link, Router router) {
        this.cluster = cluster;
        this.state = state;
        this.link = link;
        this.router = router;
    }

    /** The channel connected here with this client id (or connecting), or null. */
    public C channel(String clientId) {
        return registry.get(clientId);
    }

    public Collection<C> channels() {
        return registry.values();
    }

    public int connectedCount() {
        return registry.size();
    }

    /**
     * Claims the client id for a channel and closes whatever held it before. Completes on the channel's
     * context with the claim (epoch, session present, subscriptions to restore).
     */
    public Future<ClaimResult> connect(C ch, boolean cleanStart, long expirySeconds, Message will, int willDelaySeconds) {
        ContextInternal ctx = ch.context();
        String id = ch.clientId();
        Promise<ClaimResult> done = ctx.promise();
        Future<?>[] previous = new Future<?>[1];
        connecting.compute(id, (k, prior) -> {
            previous[0] = prior;
            return done.future();
        });
        Future<?> turn = previous[0] == null ? Future.succeededFuture() : previous[0].transform(ar -> Future.succeededFuture());
        Promise<Void> myTurn = ctx.promise();
        turn.onComplete(ar -> myTurn.complete());
        myTurn.future().compose(v -> claim(ch, cleanStart, expirySeconds, will, willDelaySeconds)).onComplete(done);
        done.future().onComplete(ar -> connecting.remove(id, done.future()));
        return done.future();
    }

    private Future<ClaimResult> claim(C ch, boolean cleanStart, long expirySeconds, Message will, int willDelaySeconds) {
        ContextInternal ctx = ch.context();
        String id = ch.clientId();
        C previous = registry.put(id, ch);
        long start = System.nanoTime();
        // the connection facts ride on the claim (for the admin API) once every member reads them
        ClaimRequest request = cluster.connectionFactsEverywhere()
                ? new ClaimRequest(cluster.nodeId(), cleanStart, expirySeconds, will, willDelaySeconds, ch.protocolVersion(),
                        System.currentTimeMillis(), random.nextLong(), ch.user(), ch.remoteAddress(), ch.keepAliveSeconds())
                : new ClaimRequest(cluster.nodeId(), cleanStart, expirySeconds, will, willDelaySeconds, ch.protocolVersion(),
                        System.currentTimeMillis(), random.nextLong());
        return Future.fromCompletionStage(cluster.sessions().claim(id, request), ctx)
                .compose(result -> {
                    long claimed = System.nanoTime();
                    ch.connectTimings((claimed - start) / 1_000_000, 0);
                    List<Future<?>> closing = new ArrayList<>(2);
                    if (previous != null && previous != ch) {
                        closing.add(NodeLink.onContext(ctx, previous.takeOver()));
                    }
                    String owner = result.previousOwner();
                    if (owner != null && !owner.equals(cluster.nodeId())) {
                        closing.add(takeOverRemote(owner, id, result.previousEpoch(), result.previousWill(), ctx));
                    }
                    if (previous != null || owner != null) {
                        log.info("event=session_takeover client_id={} from_node={} to_node={} epoch={}", id,
                                owner == null ? "-" : owner, cluster.nodeId(), result.epoch());
                    }
                    if (closing.isEmpty()) {
                        return Future.succeededFuture(result);
                    }
                    return Future.join(closing).transform(ar -> {
                        ch.connectTimings((claimed - start) / 1_000_000, (System.nanoTime() - claimed) / 1_000_000);
                        return Future.succeededFuture(result);
                    });
                })
                .onFailure(err -> registry.remove(id, ch));
    }

    /**
     * Another node claimed a client id whose connection (at {@code epoch}, or older) is here: close it
     * without its will. The decision runs on that connection's context ({@link LocalClient#kick}), so a
     * connection still claiming sees it when its claim returns.
     */
    public Future<Void> kickFromRemote(String clientId, long epoch) {
        C ch = registry.get(clientId);
        if (ch == null) {
            return Future.succeededFuture();
        }
        return ch.kick(epoch);
    }

    /**
     * The client id was held by a connection on {@code owner}: asks that node to close it (no will: it is a
     * takeover). When that node is gone, its connection ended abnormally: its will is published here.
     */
    private Future<Void> takeOverRemote(String owner, String clientId, long epoch, Message previousWill, ContextInternal ctx) {
        if (!cluster.liveNodeIds().contains(owner)) {
            if (previousWill == null) {
                return ctx.succeededFuture();
            }
            log.info("event=will_published client_id={} topic={} reason=node_gone node={}", clientId, previousWill.topic(), owner);
            return router.publishWill(previousWill, ctx).recover(err -> ctx.succeededFuture());
        }
        return link.kick(owner, clientId, epoch, ctx);
    }

    /**
     * The channel's connection ended (not by a takeover). Releases the session in the cluster and
     * publishes the will when the end was abnormal.
     *
     * <p>Not without a quorum (cut off, or fenced after a pause): such a node's member list can be stale, its
     * write would land on its own outdated copy and, being the latest change, win the merge
     * ({@link io.mqttcluster.cluster.session.SessionMergePolicy}). The others release the sessions of a node they
     * lost, and this node's {@link SessionReconciler} releases what is left once it is back.
     */
    public Future<Void> disconnected(C ch, boolean abnormal, io.mqttcluster.cluster.session.SharedHandover handover) {
        return disconnected(ch, abnormal, handover, -1);
    }

    /** {@link #disconnected(LocalClient, boolean, io.mqttcluster.cluster.session.SharedHandover)} with the session expiry an MQTT 5 DISCONNECT set (-1: unchanged). */
    public Future<Void> disconnected(C ch, boolean abnormal, io.mqttcluster.cluster.session.SharedHandover handover, long newExpirySeconds) {
        registry.remove(ch.clientId(), ch);
        if (ch.epoch() == 0) {
            return Future.succeededFuture();
        }
        if (!state.hasQuorum()) {
            log.info("event=session_release_deferred client_id={} reason=no_quorum", ch.clientId());
            return Future.succeededFuture();
        }
        ContextInternal ctx = ch.context();
        return Future.fromCompletionStage(cluster.sessions().release(ch.clientId(), cluster.nodeId(),
                        ch.epoch(), abnormal, ch.persistent() ? handover : null, System.currentTimeMillis(), newExpirySeconds), ctx)
                .compose(result -> afterRelease(result, ctx));
    }

    /**
     * What remains after a session was released: its will, if due now, is published; messages it got
     * through shared groups and did not finish go to other members.
     */
    public Future<Void> afterRelease(ReleaseResult result, ContextInternal ctx) {
        if (result == null || !result.released()) {
            return Future.succeededFuture();
        }
        for (QueuedMessage q : result.sharedCopies()) {
            router.handBackShared(q, result.clientId(), ctx);
        }
        if (result.will() == null) {
            return Future.succeededFuture();
        }
        Message will = result.will();
        log.info("event=will_published client_id={} topic={} qos={} retain={}", result.clientId(), will.topic(),
                will.qos(), will.retain());
        return router.publishWill(will, ctx);
    }

    /** Removes a channel that was taken over; the new connection owns the session now. */
    public void forget(C ch) {
        registry.remove(ch.clientId(), ch);
    }
}
