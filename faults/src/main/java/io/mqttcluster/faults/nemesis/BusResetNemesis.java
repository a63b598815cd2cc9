package io.mqttcluster.faults.nemesis;

import io.mqttcluster.faults.cluster.BrokerCluster;
import io.mqttcluster.faults.cluster.NetnsLab;
import io.mqttcluster.faults.cluster.Shell;

import java.util.ArrayList;
import java.util.List;

/**
 * bus-reset: the TCP connections between one node and the others (its cluster port and its bus port) are reset
 * without a membership change: {@code ss -K} destroys them inside the node's namespace (both directions; the
 * peers get a RST), or, where the kernel cannot destroy sockets, an iptables rule answers their packets with
 * tcp-reset for one second. On loopback the connections to the node's own ports are reset.
 */
public final class BusResetNemesis implements Nemesis {

    /** How this machine can reset connections. */
    public enum Method { SS_KILL, IPTABLES }

    private final BrokerCluster cluster;
    private final Method method;

    public BusResetNemesis(BrokerCluster cluster, Method method) {
        this.cluster = cluster;
        this.method = method;
    }

    @Override
    public String begin(Fault f) throws Exception {
        BrokerCluster.NodeAddress a = cluster.address(f.node());
        NetnsLab lab = cluster.lab();
        String ports = a.clusterPort() + "," + a.busPort();
        if (method == Method.SS_KILL) {
            String filter = "( sport = :" + a.clusterPort() + " or dport = :" + a.clusterPort() + " or sport = :"
                    + a.busPort() + " or dport = :" + a.busPort() + " )";
            List<String> cmd = new ArrayList<>(List.of("ss", "-K", "-t", "-n", filter));
            Shell.Result r = Shell.run(lab == null ? cmd : lab.inside(f.node() + 1, cmd), 20);
            if (!r.ok()) {
                throw new IllegalStateException("ss -K failed: " + r.output());
            }
            long killed = r.output().lines().filter(l -> !l.isBlank() && !l.startsWith("State")).count();
            return "method=ss-K,ports=" + ports + ",sockets_reset=" + killed;
        }
        List<String> add = List.of("iptables", "-I", "INPUT", "-p", "tcp", "-m", "multiport", "--ports", ports,
                "-j", "REJECT", "--reject-with", "tcp-reset");
        Shell.Result r = Shell.run(lab == null ? add : lab.inside(f.node() + 1, add), 20);
        if (!r.ok()) {
            throw new IllegalStateException("iptables failed: " + r.output());
        }
        Thread.sleep(1000); // the rule is the fault: it resets whatever arrives in this second
        List<String> del = new ArrayList<>(add);
        del.set(1, "-D");
        Shell.run(lab == null ? del : lab.inside(f.node() + 1, del), 20);
        return "method=iptables-reject-tcp-reset,ports=" + ports + ",held_ms=1000";
    }

    @Override
    public String end(Fault f) {
        return "";
    }

    @Override
    public String target(Fault f) {
        return cluster.nodes().get(f.node()).name();
    }
}
