package io.mqttcluster.broker.pubsub;

import io.mqttcluster.broker.channel.Channel;
import io.mqttcluster.broker.cluster.ForwardCodec;
import io.mqttcluster.cluster.message.Message;
import io.mqttcluster.cluster.session.SessionProcessors.Target;
import io.mqttcluster.cluster.session.SessionResults.AppendResult;
import io.vertx.core.Future;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One published message on its way through this node: where it goes, and whether what must be stored
 * before its publisher is acknowledged (its copies in persistent sessions' queues, its retained copy) is
 * stored. Built by {@link Router#accept}; {@link #dispatch()} is called once {@link #stored()} succeeded,
 * in the publisher's order.
 */
public final class Publication {

    /** A delivery to a subscriber connected to this node that needs no stored copy. */
    record Direct(Channel channel, int qos, boolean retainFlag, String shareKey) {
    }

    final Router router;
    final Message message;
    final List<Direct> direct;
    final Map<String, Target> durableTargets;
    /** Other nodes with a matching route, or null. */
    final Set<String> remoteRoutes;
    /** Shared-subscription members picked on other nodes, by node, or null. */
    final Map<String, List<ForwardCodec.SharedDelivery>> remoteShared;
    Map<String, AppendResult> durableResults;
    Future<Publication> stored;

    Publication(Router router, Message message, List<Direct> direct, Map<String, Target> durableTargets,
                Set<String> remoteRoutes, Map<String, List<ForwardCodec.SharedDelivery>> remoteShared) {
        this.router = router;
        this.message = message;
        this.direct = direct;
        this.durableTargets = durableTargets;
        this.remoteRoutes = remoteRoutes;
        this.remoteShared = remoteShared;
    }

    public Message message() {
        return message;
    }

    /** Completes (on the publisher's context) when the message may be acknowledged. */
    public Future<Publication> stored() {
        return stored;
    }

    /** Delivers the message. Call on the publisher's context after {@link #stored()} succeeded. */
    public void dispatch() {
        router.dispatch(this);
    }
}
