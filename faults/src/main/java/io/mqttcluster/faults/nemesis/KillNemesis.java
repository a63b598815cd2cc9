package io.mqttcluster.faults.nemesis;

import io.mqttcluster.faults.cluster.BrokerCluster;
import io.mqttcluster.faults.cluster.NodeProcess;

/** kill: SIGKILL of a node's process; at the fault's end the node is started again with the same name and ports. */
public final class KillNemesis implements Nemesis {

    private final BrokerCluster cluster;

    public KillNemesis(BrokerCluster cluster) {
        this.cluster = cluster;
    }

    @Override
    public String begin(Fault f) throws Exception {
        NodeProcess n = cluster.nodes().get(f.node());
        long pid = n.pid();
        n.kill();
        return "signal=KILL,pid=" + pid + ",incarnation=" + n.incarnation();
    }

    @Override
    public String end(Fault f) throws Exception {
        NodeProcess n = cluster.nodes().get(f.node());
        if (n.isAlive()) {
            return "restart=not-needed";
        }
        cluster.restart(f.node());
        return "restarted_pid=" + n.pid() + ",incarnation=" + n.incarnation();
    }

    @Override
    public String target(Fault f) {
        return cluster.nodes().get(f.node()).name();
    }
}
