package io.mqttcluster.broker.pubsub;

import io.mqttcluster.broker.channel.Channel;
import io.mqttcluster.cluster.message.Message;
import io.mqttcluster.cluster.session.SessionProcessors.Target;
import io.mqttcluster.cluster.session.SessionResults.AppendResult;
import io.vertx.core.Future;

import java.util.List;
import java.util.Map;

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
    Map<String, AppendResult> durableResults;
    Future<Publication> stored;

    Publication(Router router, Message message, List<Direct> direct, Map<String, Target> durableTargets) {
        this.router = router;
        this.message = message;
        this.direct = direct;
        this.durableTargets = durableTargets;
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
