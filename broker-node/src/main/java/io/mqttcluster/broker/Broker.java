package io.mqttcluster.broker;

import io.mqttcluster.broker.config.BrokerConfig;
import io.mqttcluster.broker.metrics.BrokerMetrics;
import io.mqttcluster.broker.pubsub.MessageIds;
import io.mqttcluster.broker.pubsub.Router;
import io.mqttcluster.broker.session.SessionManager;
import io.mqttcluster.cluster.ClusterNode;
import io.mqttcluster.cluster.topic.TopicLimits;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;

/**
 * The node-wide services every connection uses: configuration, the cluster state, sessions, the publish
 * path and metrics. One per node; thread-safe.
 */
public final class Broker {

    private final BrokerConfig config;
    private final ClusterNode cluster;
    private final BrokerMetrics metrics;
    private final Vertx vertx;
    private final TopicLimits topicLimits;
    private final MessageIds messageIds = new MessageIds();
    private final SessionManager sessions;
    private final Router router;
    private volatile boolean ready;
    private volatile boolean draining;

    public Broker(BrokerConfig config, ClusterNode cluster, BrokerMetrics metrics, Vertx vertx) {
        this.config = config;
        this.cluster = cluster;
        this.metrics = metrics;
        this.vertx = vertx;
        this.topicLimits = new TopicLimits(config.maxTopicLength(), config.maxTopicLevels());
        this.sessions = new SessionManager(this);
        this.router = new Router(this);
    }

    public BrokerConfig config() {
        return config;
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
        return ready && !draining && cluster.memberCount() >= config.quorum();
    }

    public String notAcceptingReason() {
        if (!ready) {
            return "starting";
        }
        if (draining) {
            return "draining";
        }
        return "cluster has " + cluster.memberCount() + " members, quorum is " + config.quorum();
    }

    /**
     * Asks another node to close its connection of a client id that this node just claimed. Completes on
     * {@code ctx} when that connection is closed, or when the node does not answer in time.
     */
    public Future<Void> takeOverRemote(String owner, String clientId, long epoch, ContextInternal ctx) {
        // a single node has nobody to ask; the cluster forwarder answers this once nodes share a cluster
        return ctx.succeededFuture();
    }
}
