package io.mqttcluster.broker;

import io.mqttcluster.broker.cluster.ForwardCodec;
import io.mqttcluster.broker.auth.Security;
import io.mqttcluster.broker.config.BrokerConfig;
import io.mqttcluster.broker.metrics.BrokerMetrics;
import io.mqttcluster.broker.channel.ChannelServices;
import io.mqttcluster.broker.pubsub.Confirmation;
import io.mqttcluster.broker.pubsub.Dispatcher;
import io.mqttcluster.broker.pubsub.LocalSubscriptions;
import io.mqttcluster.broker.pubsub.MessageIds;
import io.mqttcluster.broker.pubsub.Router;
import io.mqttcluster.broker.session.SessionManager;
import io.mqttcluster.cluster.ClusterNode;
import io.mqttcluster.cluster.forward.ClusterBus;
import io.mqttcluster.cluster.forward.FrameOutput;
import io.mqttcluster.cluster.message.Message;
import io.mqttcluster.cluster.topic.TopicLimits;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The node-wide services every connection uses: configuration, the cluster state, sessions, the publish
 * path and metrics. One per node; thread-safe.
 */
public final class Broker {

    private static final Logger log = LoggerFactory.getLogger(Broker.class);
    private static final long KICK_TIMEOUT_MS = 5000;
    private static final long SYNC_TIMEOUT_MS = 3000;

    private final BrokerConfig config;
    private final ClusterNode cluster;
    private final BrokerMetrics metrics;
    private final Vertx vertx;
    private final TopicLimits topicLimits;
    private final MessageIds messageIds = new MessageIds();
    private final SessionManager sessions;
    private final Router router;
    private final ChannelServices channelServices;
    private final Dispatcher dispatcher;
    private final ClusterBus bus;
    private final ContextInternal systemContext;
    private final Security security;
    private volatile boolean ready;
    private volatile boolean draining;
    /** System.nanoTime() until which this node treats itself as cut off after its process stood still; 0: none. */
    private volatile long fencedUntilNanos;
    /** When the pause watch last ran (System.nanoTime()), 0 while there is none; and how long a gap is a pause. */
    private volatile long lastWatchTickNanos;
    private volatile long pauseThresholdNanos = Long.MAX_VALUE;

    /**
     * @param bus the links to other nodes, or null for a node that never forwards (tests of one channel)
     */
    public Broker(BrokerConfig config, ClusterNode cluster, BrokerMetrics metrics, Vertx vertx, ClusterBus bus) {
        this.config = config;
        this.cluster = cluster;
        this.metrics = metrics;
        this.vertx = vertx;
        this.bus = bus;
        this.systemContext = (ContextInternal) vertx.getOrCreateContext();
        this.topicLimits = new TopicLimits(config.maxTopicLength(), config.maxTopicLevels());
        this.security = Security.start(config, vertx);
        LocalSubscriptions local = new LocalSubscriptions(cluster.routes(), cluster.nodeId());
        this.dispatcher = new Dispatcher(this, local);
        this.router = new Router(this, local, dispatcher);
        this.sessions = new SessionManager(this);
        dispatcher.clients(sessions::channel);
        this.channelServices = new ChannelServices(config, security, metrics, topicLimits, messageIds, router, sessions,
                cluster.sessions(), new ChannelServices.Admission() {
                    @Override
                    public boolean accepting() {
                        return acceptingConnections();
                    }

                    @Override
                    public String notAcceptingReason() {
                        return Broker.this.notAcceptingReason();
                    }

                    @Override
                    public boolean hasQuorum() {
                        return Broker.this.hasQuorum();
                    }
                }, vertx);
    }

    public Dispatcher dispatcher() {
        return dispatcher;
    }

    /** What every connection's protocol object uses of the node. */
    public ChannelServices channelServices() {
        return channelServices;
    }

    public BrokerConfig config() {
        return config;
    }

    public Security security() {
        return security;
    }

    public ClusterNode cluster() {
        return cluster;
    }

    public BrokerMetrics metrics() {
        return metrics;
    }

    public Vertx vertx() {
        return vertx;
    }

    public TopicLimits topicLimits() {
        return topicLimits;
    }

    public MessageIds messageIds() {
        return messageIds;
    }

    public SessionManager sessions() {
        return sessions;
    }

    public Router router() {
        return router;
    }

    public String nodeId() {
        return cluster.nodeId();
    }

    public ClusterBus bus() {
        return bus;
    }

    /** A context for the node's own work (wills of dead nodes, sweeps), not tied to a connection. */
    public ContextInternal systemContext() {
        return systemContext;
    }

    /** Whether the cluster has the members it needs to accept writes (split-brain protection). */
    public boolean hasQuorum() {
        return !fenced() && cluster.memberCount() >= config.quorum();
    }

    /**
     * After this node's process stood still (SIGSTOP, a long GC, a frozen VM) long enough for the others to remove
     * it, its member list is stale and Hazelcast's recently-active check is reset, so both still show a quorum it no
     * longer has. For {@code millis} it acts as the minority: no quorum, no new clients, no acknowledgements.
     */
    public void fence(long millis) {
        fencedUntilNanos = Math.max(1, System.nanoTime() + millis * 1_000_000L);
    }

    /**
     * Also true between the end of a pause and the moment the pause watch notices it: every thread resumes at
     * once, and a store response that arrived during the pause must not lead to an acknowledgement first.
     */
    public boolean fenced() {
        long now = System.nanoTime();
        long until = fencedUntilNanos;
        if (until != 0 && now - until < 0) {
            return true;
        }
        long tick = lastWatchTickNanos;
        return tick != 0 && now - tick > pauseThresholdNanos;
    }

    /** The pause watch ran at {@code nanos}; a gap over {@code thresholdMillis} since the last run is a pause. */
    public void pauseWatchTick(long nanos, long thresholdMillis) {
        pauseThresholdNanos = thresholdMillis * 1_000_000L;
        lastWatchTickNanos = nanos;
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
        io.vertx.core.Promise<Void> p = io.vertx.core.Promise.promise();
        vertx.setTimer(Math.max(1_000L, 2_000L * config.heartbeatSeconds()), t -> {
            if (hasQuorum() && !bus.hasPeer(node)) {
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
            for (com.hazelcast.cluster.Member m : cluster.otherMembers()) {
                String node = ClusterNode.nodeIdOf(m);
                if (node == null) {
                    continue;
                }
                Future<Buffer> ack = bus.request(node, ForwardCodec.SYNC, payload, SYNC_TIMEOUT_MS)
                        .recover(err -> {
                            log.debug("event=subscription_sync_slow node={} error={}", node, err.toString());
                            return Future.succeededFuture();
                        });
                all.add(io.mqttcluster.broker.session.SessionManager.onContext(ctx, ack));
            }
        }
        if (all.isEmpty()) {
            return ctx.succeededFuture();
        }
        return Future.all(all).mapEmpty();
    }

    public void ready(boolean value) {
        ready = value;
    }

    /** Stop taking new clients (shutdown, preStop): readiness turns false, CONNECT gets 0x03. */
    public void drain() {
        draining = true;
    }

    public boolean draining() {
        return draining;
    }

    /** Whether new connections are accepted: started, not draining, and the cluster has its quorum. */
    public boolean acceptingConnections() {
        return ready && !draining && cluster.memberCount() >= config.quorum() && !cluster.rebuildingMirrors() && !fenced();
    }

    public String notAcceptingReason() {
        if (!ready) {
            return "starting";
        }
        if (draining) {
            return "draining";
        }
        if (cluster.rebuildingMirrors()) {
            return "rebuilding the subscription tables after a split brain healed";
        }
        if (fenced()) {
            return "this node's process stood still; waiting until the cluster's membership is settled";
        }
        return "cluster has " + cluster.memberCount() + " members, quorum is " + config.quorum();
    }

    /**
     * Asks another node to close its connection of a client id that this node just claimed (no will: it is
     * a takeover). Completes on {@code ctx} when that connection is closed, or when the node does not answer
     * in time. When that node is gone, its connection ended abnormally: its will is published here.
     */
    public Future<Void> takeOverRemote(String owner, String clientId, long epoch, Message previousWill, ContextInternal ctx) {
        if (!cluster.liveNodeIds().contains(owner)) {
            if (previousWill == null) {
                return ctx.succeededFuture();
            }
            log.info("event=will_published client_id={} topic={} reason=node_gone node={}", clientId, previousWill.topic(), owner);
            return router.publishWill(previousWill, ctx).recover(err -> ctx.succeededFuture());
        }
        if (bus == null) {
            return ctx.succeededFuture();
        }
        Future<Buffer> reply = bus.request(owner, ForwardCodec.KICK, ForwardCodec.encodeKick(clientId, epoch), KICK_TIMEOUT_MS);
        return io.mqttcluster.broker.session.SessionManager.onContext(ctx, reply).transform(ar -> {
            if (ar.failed()) {
                log.warn("event=takeover_no_answer client_id={} node={} error={}", clientId, owner, ar.cause().getMessage());
            }
            return ctx.succeededFuture();
        });
    }
}
