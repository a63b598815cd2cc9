package io.mqttcluster.gateway.hash;

import io.mqttcluster.gateway.backend.BackendNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The order in which the nodes are tried for one client. Stateless; called on the client
 * connection's event loop with a snapshot of the ready nodes.
 *
 * <p>A client id is ranked by {@link RendezvousHash} over the nodes' keys. An empty client id
 * (the broker will assign one) has no home: the ready nodes are ordered by this gateway's load on
 * them (spliced plus connecting), then by key.
 */
public final class NodeChooser {

    private NodeChooser() {
    }

    /** The nodes best first; {@code candidates} is not modified. */
    public static List<BackendNode> order(byte[] clientId, List<BackendNode> candidates) {
        if (clientId.length == 0) {
            List<BackendNode> byLoad = new ArrayList<>(candidates);
            byLoad.sort(Comparator.comparingInt(BackendNode::load).thenComparing(BackendNode::key));
            return byLoad;
        }
        return RendezvousHash.rank(clientId, candidates, BackendNode::key);
    }

    /** The reason recorded when the first node of {@link #order} is used. */
    public static RouteReason firstChoiceReason(byte[] clientId) {
        return clientId.length == 0 ? RouteReason.LEAST_LOADED_EMPTY_ID : RouteReason.HASHED;
    }
}
