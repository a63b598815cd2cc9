package io.mqttcluster.gateway.backend;

import io.mqttcluster.gateway.config.NodeAddress;
import io.vertx.core.Future;
import java.util.List;

/** A fixed list of nodes from the configuration. Immutable. */
public final class StaticDiscovery implements NodeDiscovery {
    private final List<NodeAddress> nodes;

    public StaticDiscovery(List<NodeAddress> nodes) {
        this.nodes = List.copyOf(nodes);
    }

    @Override
    public Future<List<NodeAddress>> discover() {
        return Future.succeededFuture(nodes);
    }

    @Override
    public boolean periodic() {
        return false;
    }
}
