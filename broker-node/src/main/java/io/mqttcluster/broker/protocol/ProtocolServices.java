package io.mqttcluster.broker.protocol;

import io.mqttcluster.broker.auth.Security;
import io.mqttcluster.broker.config.BrokerConfig;
import io.mqttcluster.broker.metrics.BrokerMetrics;
import io.mqttcluster.broker.pubsub.MessageIds;
import io.mqttcluster.broker.pubsub.Router;
import io.mqttcluster.broker.pubsub.Subscriptions;
import io.mqttcluster.broker.session.SessionManager;
import io.mqttcluster.cluster.session.SessionStore;
import io.mqttcluster.cluster.topic.TopicLimits;
import io.vertx.core.Vertx;

/**
 * What a {@link ClientProtocol} uses of the node: one bundle, built once per node, so the protocol code names
 * exactly the services it depends on (and a test can hand it an in-memory store).
 *
 * @param admission whether the node takes new clients now
 */
public record ProtocolServices(BrokerConfig config, Security security, BrokerMetrics metrics, TopicLimits topicLimits,
                              MessageIds messageIds, Router router, Subscriptions subscriptions, SessionManager<ClientProtocol> sessions, SessionStore store,
                              Admission admission, Vertx vertx, InboundBudget inboundBudget) {

    /** Whether the node takes new clients (started, not draining, quorum present), and why not. */
    public interface Admission {
        boolean accepting();

        String notAcceptingReason();

        /** The cluster has the members it needs to accept writes (split-brain protection). */
        boolean hasQuorum();
    }
}
