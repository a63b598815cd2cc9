package io.mqttcluster.broker.cluster;

import io.mqttcluster.broker.config.BrokerConfig;
import io.mqttcluster.broker.metrics.BrokerMetrics;
import io.mqttcluster.cluster.ClusterView;
import io.mqttcluster.cluster.forward.BufferDataInput;
import io.mqttcluster.cluster.forward.ClusterBus;
import io.mqttcluster.cluster.forward.FrameOutput;
import io.mqttcluster.cluster.message.Message;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The node-to-node protocol of the broker, both ways: FORWARD (a publish for subscribers on another node, with
 * its confirmation), KICK (close a client id's connection there: it was taken over here) and SYNC (subscription
 * table changes pushed before a SUBACK); the admin API's requests go on to {@link AdminRequests}. {@link ForwardCodec} encodes and decodes the frames, {@link ClusterBus}
 * carries them; what arrives goes to a {@link Handler}.
 *
 * <p>The bus starts before the rest of the node (its address is advertised when the node joins), so
 * {@link #inbox()} exists first and is {@link #attach attached} to its handler once that exists; until then a
 * request is answered "starting" and a forward is dropped (no client can have subscribed yet).
 */
public final class NodeLink {

    private static final Logger log = LoggerFactory.getLogger(NodeLink.class);
    private static final long KICK_TIMEOUT_MS = 5000;
    private static final long SYNC_TIMEOUT_MS = 3000;

    /** What this node does with what other nodes send it. */
    public interface Handler {
        /** A publish forwarded by another node, for subscribers here. */
        void onForward(ForwardCodec.Forward forward);

        /** Close the connection of this client id if it is at {@code epoch} or older; done when closed. */
        Future<Void> kick(String clientId, long epoch);

        /** Subscription-table changes another node made; applied to this node's mirrors. */
        void applySync(List<ForwardCodec.Sync> changes);
    }

    private final BrokerConfig config;
    private final ClusterView cluster;
    private final NodeState state;
    private final BrokerMetrics metrics;
    private final Vertx vertx;
    private final ClusterBus bus;

    /**
     * @param bus the links to other nodes, or null for a node that never forwards (tests of one connection)
     */
    public NodeLink(BrokerConfig config, ClusterView cluster, NodeState state, BrokerMetrics metrics, Vertx vertx, ClusterBus bus) {
        this.config = config;
        this.cluster = cluster;
        this.state = state;
        this.metrics = metrics;
        this.vertx = vertx;
        this.bus = bus;
    }

    /** The receiving end, given to the bus before the node exists. */
    public static Inbox inbox() {
        return new Inbox();
    }

    public ClusterBus bus() {
        return bus;
    }

    /**
     * Sends a forward to another node; counted. With {@code confirm}, the result completes once that node has
     * it ({@code true}), or once it has left the cluster ({@code false}: it has no subscribers left, see
     * {@link #afterPeerLeft}); it fails when the link cannot take it (its unacknowledged bytes are at their cap)
     * or the node does not answer in time.
     */
    public Future<Boolean> forward(String node, FrameOutput frame, boolean confirm) {
        if (bus == null) {
            return Future.succeededFuture(true);
        }
        long seq = bus.send(node, frame);
        if (seq < 0) {
            return notSent(node);
        }
        metrics.forwardedOut(1);
        if (!confirm) {
            return Future.succeededFuture(true);
        }
        return confirmed(node, seq, ContextInternal.current());
    }

    /**
     * {@link #forward} of a QoS 1/2 message with the wait left to {@link Confirmation#await}: when the
     * publisher's line gets to it, the node has usually acknowledged it already, and nothing was set up for it.
     */
    public Confirmation forwardToConfirm(String node, FrameOutput frame, ContextInternal ctx) {
        if (bus == null) {
            return Confirmation.DONE;
        }
        long seq = bus.send(node, frame);
        if (seq < 0) {
            return Confirmation.of(notSent(node));
        }
        metrics.forwardedOut(1);
        return new Confirmation() {
            @Override
            public Future<?> await() {
                return bus.isDelivered(node, seq) ? Future.succeededFuture() : confirmed(node, seq, ctx);
            }
        };
    }

    private Future<Boolean> notSent(String node) {
        if (bus.hasPeer(node)) {
            return Future.failedFuture(new IllegalStateException("link to " + node + " is full"));
        }
        return Future.succeededFuture(false); // not (or no longer) a member
    }

    /** Completes on {@code ctx}: the publisher's context, not always the thread's current one. */
    private Future<Boolean> confirmed(String node, long seq, ContextInternal ctx) {
        return bus.delivered(node, seq, ctx).compose(v -> bus.hasPeer(node) ? Future.succeededFuture(true)
                : afterPeerLeft(node).map(false));
    }

    /**
     * A forward's node left the cluster before it acknowledged: done, if this node is on the side that
     * stays. A node that was itself cut off (or frozen) sees the others leave one by one before it notices it
     * lost its quorum; it must not take their departure as delivery. So this waits two heartbeats and asks
     * whether this node still has its quorum.
     */
    private Future<Void> afterPeerLeft(String node) {
        Promise<Void> p = Promise.promise();
        vertx.setTimer(Math.max(1_000L, 2_000L * config.heartbeatSeconds()), t -> {
            if (state.hasQuorum() && !bus.hasPeer(node)) {
                p.complete();
            } else {
                p.fail(new IllegalStateException("node " + node + " left while this node may be the one cut off"));
            }
        });
        return p.future();
    }

    /**
     * Waits for subscription-table writes and pushes the same changes to every other node, so the change is
     * visible cluster-wide when the returned future completes (on {@code ctx}). A node that does not answer
     * in time gets the change later through the table's events.
     */
    public Future<Void> syncCluster(List<? extends CompletionStage<?>> writes, List<ForwardCodec.Sync> changes, ContextInternal ctx) {
        List<Future<?>> all = new ArrayList<>(writes.size() + 2);
        for (CompletionStage<?> w : writes) {
            all.add(Future.fromCompletionStage(w, ctx));
        }
        if (bus != null && !changes.isEmpty() && cluster.memberCount() > 1) {
            Buffer payload = ForwardCodec.encodeSync(changes);
            for (String node : cluster.liveNodeIds()) {
                if (node.equals(cluster.nodeId())) {
                    continue;
                }
                Future<Buffer> ack = bus.request(node, ForwardCodec.SYNC, payload, SYNC_TIMEOUT_MS)
                        .recover(err -> {
                            log.debug("event=subscription_sync_slow node={} error={}", node, err.toString());
                            return Future.succeededFuture();
                        });
                all.add(onContext(ctx, ack));
            }
        }
        if (all.isEmpty()) {
            return ctx.succeededFuture();
        }
        return Future.all(all).mapEmpty();
    }

    /**
     * Asks another node to close its connection of a client id that this node just claimed (no will: it is
     * a takeover). Completes on {@code ctx} when that connection is closed, or when the node does not answer
     * in time.
     */
    public Future<Void> kick(String owner, String clientId, long epoch, ContextInternal ctx) {
        if (bus == null) {
            return ctx.succeededFuture();
        }
        Future<Buffer> reply = bus.request(owner, ForwardCodec.KICK, ForwardCodec.encodeKick(clientId, epoch), KICK_TIMEOUT_MS);
        return onContext(ctx, reply).transform(ar -> {
            if (ar.failed()) {
                log.warn("event=takeover_no_answer client_id={} node={} error={}", clientId, owner, ar.cause().getMessage());
            }
            return ctx.succeededFuture();
        });
    }

    /** Brings the completion of a future from another context back to {@code ctx}. */
    public static <T> Future<T> onContext(ContextInternal ctx, Future<T> other) {
        Promise<T> p = ctx.promise();
        other.onComplete(p);
        return p.future();
    }

    /** The receiving end: decodes what other nodes send and hands it to the {@link Handler}. */
    public static final class Inbox implements ClusterBus.Receiver {

        private volatile Handler handler;
        private volatile BrokerMetrics metrics;
        private volatile AdminRequests admin;

        private Inbox() {
        }

        public void attach(Handler handler, BrokerMetrics metrics) {
            this.metrics = metrics;
            this.handler = handler;
        }

        /** Where the admin API's requests ({@link AdminRequests}) go. */
        public void attachAdmin(AdminRequests admin) {
            this.admin = admin;
        }

        @Override
        public void onMessage(String fromNode, int kind, BufferDataInput payload) {
            Handler h = handler;
            if (h == null) {
                return;
            }
            if (kind == ForwardCodec.FORWARD) {
                try {
                    metrics.forwardedIn(1);
                    h.onForward(ForwardCodec.decodeForward(payload));
                } catch (IOException | RuntimeException e) {
                    log.warn("event=forward_decode_failed from_node={} error={}", fromNode, e.toString());
                }
            }
        }

        @Override
        public Future<Buffer> onRequest(String fromNode, int kind, BufferDataInput payload) {
            Handler h = handler;
            if (h == null) {
                return Future.failedFuture("starting");
            }
            AdminRequests a = admin;
            if (AdminRequests.isAdmin(kind)) {
                return a == null ? Future.failedFuture("starting") : a.onRequest(kind, payload);
            }
            try {
                switch (kind) {
                    case ForwardCodec.KICK -> {
                        String clientId = Message.readString(payload);
                        long epoch = payload.readLong();
                        return h.kick(clientId, epoch).map(v -> Buffer.buffer());
                    }
                    case ForwardCodec.SYNC -> {
                        h.applySync(ForwardCodec.decodeSync(payload));
                        return Future.succeededFuture(Buffer.buffer());
                    }
                    default -> {
                        return Future.failedFuture("unknown request kind " + kind);
                    }
                }
            } catch (IOException e) {
                return Future.failedFuture(e);
            }
        }
    }
}
