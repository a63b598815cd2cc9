package io.mqttcluster.faults.nemesis;

import io.mqttcluster.faults.cluster.NodeProcess;
import io.mqttcluster.faults.cluster.Target;

/** stop: SIGSTOP freezes a node (its sockets stay open, nothing answers); SIGCONT at the fault's end. */
public final class StopNemesis implements Nemesis {

    private final Target target;

    public StopNemesis(Target target) {
        this.target = target;
    }

    @Override
    public String begin(Fault f) throws Exception {
        NodeProcess n = target.nodes().get(f.node());
        n.pause();
        return "signal=STOP,pid=" + n.pid() + ",planned_ms=" + f.durationMs();
    }

    @Override
    public String end(Fault f) throws Exception {
        NodeProcess n = target.nodes().get(f.node());
        if (n.isPaused()) {
            n.resume();
        }
        return "signal=CONT";
    }

    @Override
    public String target(Fault f) {
        return target.nodes().get(f.node()).name();
    }
}
