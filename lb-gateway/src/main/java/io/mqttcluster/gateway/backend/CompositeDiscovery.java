package io.mqttcluster.gateway.backend;

import io.mqttcluster.gateway.config.NodeAddress;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The union of several discoveries (static list plus DNS). Fails when any part fails, so that a
 * DNS hiccup does not retire the DNS nodes. Immutable.
 */
public final class CompositeDiscovery implements NodeDiscovery {
    private final List<NodeDiscovery> parts;

    public CompositeDiscovery(List<NodeDiscovery> parts) {
        this.parts = List.copyOf(parts);
    }

    @Override
    public Future<List<NodeAddress>> discover() {
        List<Future<List<NodeAddress>>> all = new ArrayList<>();
        for (NodeDiscovery d : parts) {
            all.add(d.discover());
        }
        return Future.all(all).map(cf -> {
            Map<String, NodeAddress> out = new LinkedHashMap<>();
            for (Future<List<NodeAddress>> f : all) {
                for (NodeAddress a : f.result()) {
                    out.putIfAbsent(a.key(), a);
                }
            }
            return new ArrayList<>(out.values());
        });
    }

    @Override
    public boolean periodic() {
        return parts.stream().anyMatch(NodeDiscovery::periodic);
    }
}
