package io.mqttcluster.broker.pubsub;

import io.mqttcluster.cluster.message.Message;
import io.mqttcluster.cluster.session.QueuedMessage;
import io.vertx.core.internal.ContextInternal;

/**
 * A client connected to this node, as the publish path sees it: where to deliver. Implemented by the
 * connection's protocol object; every call is made on {@link #context()}.
 */
public interface Subscriber {

    /** The event loop context the client's connection lives on. */
    ContextInternal context();

    String clientId();

    /** Whether QoS 1/2 messages for it go through its stored queue (a persistent session). */
    boolean persistent();

    /**
     * A message that needs no stored copy (clean session, or QoS 0).
     *
     * @param shareKey        the shared subscription it was picked for, or null
     * @param subscriptionIds the identifiers of the subscriptions it matched (MQTT 5), or null
     */
    void deliverDirect(Message message, int qos, boolean retainFlag, String shareKey, int[] subscriptionIds);

    /** The options of one of its subscriptions, or null. Call on {@link #context()}. */
    io.mqttcluster.cluster.session.SubOptions subscription(String filter);

    /** A message stored in this persistent session's queue, for the connection of {@code epoch}. */
    void deliverQueued(long epoch, QueuedMessage queued);
}
