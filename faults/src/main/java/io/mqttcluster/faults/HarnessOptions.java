package io.mqttcluster.faults;

import io.mqttcluster.faults.nemesis.FaultKind;

import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Settings of one harness run.
 *
 * @param seed       seeds the fault plan (kinds, targets, durations, gaps)
 * @param faultPhase how long faults are injected (start-up and the end phase come on top)
 * @param kinds      fault kinds asked for (those this machine cannot do are left out and reported)
 * @param rate       messages per second over all publishers
 * @param gateway    clients connect through lb-gateway instead of straight to the nodes
 * @param target     {@code cluster} or {@code mosquitto} (a single Mosquitto, client faults only)
 * @param loopback   run the nodes on loopback even where network namespaces are available
 * @param endPhase   the most the end phase (heal, reconnect, drain, quiet) may take
 * @param keepLogs   keep node logs and the history of a run that passed (a failed run always keeps them)
 */
public record HarnessOptions(long seed, Duration faultPhase, Set<FaultKind> kinds, double rate, boolean gateway,
                             Path out, String target, boolean loopback, Path brokerJar, Path gatewayJar,
                             List<String> nodeArgs, Duration endPhase, boolean keepLogs) {

    public HarnessOptions {
        kinds = kinds.isEmpty() ? EnumSet.noneOf(FaultKind.class) : EnumSet.copyOf(kinds);
        nodeArgs = List.copyOf(nodeArgs);
        if (!target.equals("cluster") && !target.equals("mosquitto")) {
            throw new IllegalArgumentException("target must be cluster or mosquitto: " + target);
        }
        if (rate <= 0) {
            throw new IllegalArgumentException("rate must be positive");
        }
    }

    /** Defaults: every fault kind, 200 msg/s, the jars where the build puts them. */
    public static HarnessOptions defaults(long seed, Duration faultPhase, Path out) {
        return new HarnessOptions(seed, faultPhase, EnumSet.allOf(FaultKind.class), 200, false, out, "cluster", false,
                Path.of(System.getProperty("faults.broker.jar", "broker-node/target/broker-node.jar")),
                Path.of(System.getProperty("faults.gateway.jar", "lb-gateway/target/lb-gateway.jar")),
                List.of(), Duration.ofSeconds(150), false);
    }

    public HarnessOptions withKinds(Set<FaultKind> k) {
        return new HarnessOptions(seed, faultPhase, k, rate, gateway, out, target, loopback, brokerJar, gatewayJar,
                nodeArgs, endPhase, keepLogs);
    }

    public HarnessOptions withTarget(String t) {
        return new HarnessOptions(seed, faultPhase, kinds, rate, gateway, out, t, loopback, brokerJar, gatewayJar,
                nodeArgs, endPhase, keepLogs);
    }
}
