package io.mqttcluster.bench.cli;

import io.mqttcluster.bench.failover.FleetFailover;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

@Command(name = "fleet-failover", mixinStandardHelpOptions = true,
        description = {"A fleet through the gateway of scripts/run-local.sh, as a user would try failover: DEVICES devices "
                + "with persistent sessions (device i from source address 127.1.(i/250).(i%%250+1)) connect through the "
                + "gateway and subscribe to fleet/commands at QoS 1; a publisher sends a command to all of them every "
                + "COMMAND-INTERVAL-MS. The run prints how the devices spread over the nodes (the gateway's "
                + "gateway_connections{node}), kills the node with the most devices with kill -9 (its PID from "
                + "RUN-DIR/node<i>.pid, i = port - 1883), and prints, for that node's devices, the time until they were "
                + "connected again (session present) and until they received commands again.",
                "Exit code 0 when all of them came back with their session and every device received commands again, else 1."},
        footer = {"", "Example:", "  scripts/run-local.sh &", "  java -jar bench/target/bench.jar fleet-failover 1000"})
final class FleetFailoverCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", defaultValue = "1000", paramLabel = "DEVICES",
            description = "Devices (default: ${DEFAULT-VALUE}).")
    int devices;

    @Parameters(index = "1", arity = "0..1", defaultValue = "127.0.0.1:1883", paramLabel = "GATEWAY",
            description = "The gateway's MQTT address host:port (default: ${DEFAULT-VALUE}).")
    String gateway;

    @Parameters(index = "2", arity = "0..1", defaultValue = "127.0.0.1:8090", paramLabel = "GATEWAY-HTTP",
            description = "The gateway's HTTP address host:port, for /metrics (default: ${DEFAULT-VALUE}).")
    String gatewayHttp;

    @Parameters(index = "3", arity = "0..1", defaultValue = "run", paramLabel = "RUN-DIR",
            description = "Where run-local.sh wrote node<i>.pid (default: ${DEFAULT-VALUE}).")
    String runDir;

    @Parameters(index = "4", arity = "0..1", defaultValue = "250", paramLabel = "COMMAND-INTERVAL-MS",
            description = "Milliseconds between two commands to all devices (default: ${DEFAULT-VALUE}).")
    long commandIntervalMillis;

    FleetFailover.Options options() {
        return FleetFailover.Options.of(devices, gateway, gatewayHttp, runDir, commandIntervalMillis);
    }

    @Override
    public Integer call() throws Exception {
        return new FleetFailover(options(), System.out).run();
    }
}
