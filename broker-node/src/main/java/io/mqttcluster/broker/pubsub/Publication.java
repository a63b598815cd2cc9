package io.mqttcluster.broker.pubsub;

import io.mqttcluster.broker.cluster.ForwardCodec.SharedDelivery;
import io.mqttcluster.cluster.message.Message;
import io.mqttcluster.cluster.session.AppendResult;
import io.mqttcluster.cluster.session.Target;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One published message and where it goes, as {@link Router#accept} decided: subscribers connected here
 * that get it directly, persistent sessions that get a stored copy (and, once stored, where each copy sits),
 * other nodes with matching routes, and shared-group members picked on other nodes. A plain value; the
 * {@link Dispatcher} carries it out.
 *
 * @param message        the message
 * @param mayBeDuplicate a QoS 2 message re-sent by its publisher under its first id: every receiver checks
 *                       whether it already has it
 * @param direct         deliveries to subscribers connected here that need no stored copy
 * @param stored         the stored copies for persistent sessions, in store calls (one session at most once per
 *                       call), empty when none
 * @param remoteRoutes   other nodes with a matching route, or null
 * @param remoteShared   shared-group members picked on other nodes, by node, or null
 */
public record Publication(Message message, boolean mayBeDuplicate, List<LocalSubscriptions.Direct> direct,
                          List<Stored> stored, Set<String> remoteRoutes, Map<String, List<SharedDelivery>> remoteShared) {

    /**
     * One store call: the copies asked for, by client id, and where each landed.
     *
     * @param targets per client id how it gets the message
     * @param results per client id the store's answer (sessions that are gone have none)
     */
    public record Stored(Map<String, Target> targets, Map<String, AppendResult> results) {
    }

    /** Whether anyone gets it: a subscriber here, a stored copy, a node with a route, a shared-group member. */
    public boolean matchedAny() {
        if (!direct.isEmpty() || (remoteRoutes != null && !remoteRoutes.isEmpty()) || (remoteShared != null && !remoteShared.isEmpty())) {
            return true;
        }
        for (Stored s : stored) {
            if (!s.targets().isEmpty()) {
                return true;
            }
        }
        return false;
    }

    /** A publication to one persistent session's stored copy only. */
    static Publication storedOnly(Message message, Map<String, Target> targets, Map<String, AppendResult> results) {
        return new Publication(message, false, List.of(), List.of(new Stored(targets, results)), null, null);
    }
}
