package io.mqttcluster.broker;

import io.mqttcluster.broker.auth.Security;
import io.mqttcluster.broker.protocol.ClientProtocol;
import io.mqttcluster.broker.protocol.InboundBudget;
import io.mqttcluster.broker.protocol.ProtocolServices;
import io.mqttcluster.broker.cluster.ForwardCodec;
import io.mqttcluster.broker.cluster.NodeLink;
import io.mqttcluster.broker.cluster.NodeState;
import io.mqttcluster.broker.config.BrokerConfig;
import io.mqttcluster.broker.metrics.BrokerMetrics;
import io.mqttcluster.broker.pubsub.Dispatcher;
import io.mqttcluster.broker.pubsub.LocalSubscriptions;
import io.mqttcluster.broker.pubsub.MessageIds;
import io.mqttcluster.broker.pubsub.Router;
import io.mqttcluster.broker.pubsub.Subscriptions;
import io.mqttcluster.broker.session.SessionManager;
import io.mqttcluster.cluster.ClusterView;
import io.mqttcluster.cluster.forward.ClusterBus;
import io.mqttcluster.cluster.topic.TopicLimits;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;

import java.util.List;

/**
 * The node-wide services every connection uses, built once per node and wired here: configuration, the cluster
 * state, this node's state and its link to the others, security, sessions, the publish path and metrics. The
 * packages below know nothing of this class: each service gets what it needs in its constructor.
 */
public final class Broker {

    private final BrokerConfig config;
    private final ClusterView cluster;
    private final BrokerMetrics metrics;
    private final Vertx vertx;
    private final TopicLimits topicLimits;
    private final MessageIds messageIds = new MessageIds();
    private final NodeState state;
    private final NodeLink link;
    private final SessionManager<ClientProtocol> sessions;
    private final Router router;
    private final Subscriptions subscriptions;
    private final ProtocolServices protocolServices;
    private final Dispatcher dispatcher;
    private final ContextInternal systemContext;
    private final Security security;

    /**
     * @param bus the links to other nodes, or null for a node that never forwards (tests of one channel)
     */
    public Broker(BrokerConfig config, ClusterView cluster, BrokerMetrics metrics, Vertx vertx, ClusterBus bus) {
        this.config = config;
        this.cluster = cluster;
        this.metrics = metrics;
        this.vertx = vertx;
        this.systemContext = (ContextInternal) vertx.getOrCreateContext();
        this.topicLimits = new TopicLimits(config.maxTopicLength(), config.maxTopicLevels());
        this.security = Security.start(config, vertx);
        this.state = new NodeState(config, cluster);
        this.link = new NodeLink(config, cluster, state, metrics, vertx, bus);
        LocalSubscriptions local = new LocalSubscriptions(cluster.routes(), cluster.nodeId());
        this.dispatcher = new Dispatcher(cluster.nodeId(), metrics, link, systemContext, local);
        this.router = new Router(config, cluster, state, metrics, local, dispatcher);
        this.subscriptions = new Subscriptions(cluster, link, vertx, local, dispatcher);
        this.sessions = new SessionManager<>(cluster, state, link, router);
        dispatcher.router(router);
        dispatcher.subscriptions(subscriptions);
        dispatcher.clients(sessions::channel);
        this.protocolServices = new ProtocolServices(config, security, metrics, topicLimits, messageIds, router, subscriptions, sessions,
                cluster.sessions(), new ProtocolServices.Admission() {
                    @Override
                    public boolean accepting() {
                        return state.acceptingConnections();
                    }

                    @Override
                    public String notAcceptingReason() {
                        return state.notAcceptingReason();
                    }

                    @Override
                    public boolean hasQuorum() {
                        return state.hasQuorum();
                    }
                }, vertx, new InboundBudget(config.maxInboundPendingBytesTotal(), config.maxInboundPendingBytes()));
        metrics.gauge("mqtt.inbound.pending.bytes", "Bytes of clients' publishes read and not yet acknowledged (or, QoS 0, dispatched)",
                () -> protocolServices.inboundBudget().used());
        metrics.gauge("mqtt.inbound.storing.bytes", "Bytes of the store rounds under way, one copy per persistent-session queue written",
                () -> protocolServices.inboundBudget().storing());
    }

    /** What other nodes send this one goes to the dispatcher (forwards), the sessions (kicks) and the router (syncs). */
    public NodeLink.Handler linkHandler() {
        return new NodeLink.Handler() {
            @Override
            public void onForward(ForwardCodec.Forward forward) {
                dispatcher.onForward(forward);
            }

            @Override
            public Future<Void> kick(String clientId, long epoch) {
                return sessions.kickFromRemote(clientId, epoch);
            }

            @Override
            public void applySync(List<ForwardCodec.Sync> changes) {
                subscriptions.applySync(changes);
            }
        };
    }

    public Dispatcher dispatcher() {
        return dispatcher;
    }

    /** What every connection's protocol object uses of the node. */
    public ProtocolServices protocolServices() {
        return protocolServices;
    }

    public BrokerConfig config() {
        return config;
    }

    public Security security() {
        return security;
    }

    public ClusterView cluster() {
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

    public SessionManager<ClientProtocol> sessions() {
        return sessions;
    }

    public Router router() {
        return router;
    }

    public Subscriptions subscriptions() {
        return subscriptions;
    }

    public String nodeId() {
        return cluster.nodeId();
    }

    /** Started, draining, quorum, fenced after a pause: whether this node takes clients and acknowledges writes. */
    public NodeState state() {
        return state;
    }

    /** The node-to-node protocol: forwards, takeover kicks, subscription syncs. */
    public NodeLink link() {
        return link;
    }

    /** A context for the node's own work (wills of dead nodes, sweeps), not tied to a connection. */
    public ContextInternal systemContext() {
        return systemContext;
    }
}
