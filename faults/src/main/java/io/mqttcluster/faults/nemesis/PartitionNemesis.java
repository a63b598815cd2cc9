package io.mqttcluster.faults.nemesis;

import io.mqttcluster.faults.cluster.BrokerCluster;
import io.mqttcluster.faults.cluster.NetnsLab;

/**
 * partition: one node's link is cut (it is alone; the other two keep the majority, the clients reach only them).
 * partition-partial: two nodes cannot reach each other, both still reach the third and every client.
 */
public final class PartitionNemesis implements Nemesis {

    private final BrokerCluster cluster;
    private final NetnsLab lab;
    private final boolean partial;

    public PartitionNemesis(BrokerCluster cluster, boolean partial) {
        this.cluster = cluster;
        this.lab = cluster.lab();
        this.partial = partial;
        if (lab == null) {
            throw new IllegalArgumentException("partitions need network namespaces");
        }
    }

    @Override
    public String begin(Fault f) throws Exception {
        if (partial) {
            lab.separate(f.node() + 1, f.otherNode() + 1);
            return "blackhole_routes=" + name(f.node()) + "<->" + name(f.otherNode());
        }
        lab.cut(f.node() + 1);
        return "link=down,planned_ms=" + f.durationMs();
    }

    @Override
    public String end(Fault f) throws Exception {
        if (partial) {
            lab.rejoin(f.node() + 1, f.otherNode() + 1);
        } else {
            lab.heal(f.node() + 1);
        }
        return "healed";
    }

    @Override
    public String target(Fault f) {
        return partial ? name(f.node()) + "|" + name(f.otherNode()) : name(f.node());
    }

    private String name(int node) {
        return cluster.nodes().get(node).name();
    }
}
