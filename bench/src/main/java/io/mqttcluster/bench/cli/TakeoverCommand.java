package io.mqttcluster.bench.cli;

import io.mqttcluster.bench.client.Endpoint;
import io.mqttcluster.bench.failover.SessionTakeover;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

@Command(name = "takeover", mixinStandardHelpOptions = true,
        description = {"Measures a session takeover across nodes: a client id with a persistent session is connected "
                + "on NODE-A; the same id connects on NODE-B. Prints the time from B's CONNECT to its CONNACK and until "
                + "A's connection is closed (p50, p99), next to a plain CONNECT of a fresh client id on B (p50). Five "
                + "more rounds than ROUNDS run first to warm up and are not counted."},
        footer = {"", "Example (nodes 1 and 2 of scripts/run-local.sh):",
                "  java -jar bench/target/bench.jar takeover 127.0.0.1:1884 127.0.0.1:1885"})
final class TakeoverCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NODE-A", description = "The node the session starts on, host:port.")
    String nodeA;

    @Parameters(index = "1", paramLabel = "NODE-B", description = "The node that takes the session over, host:port.")
    String nodeB;

    @Parameters(index = "2", arity = "0..1", defaultValue = "50", paramLabel = "ROUNDS",
            description = "Measured rounds (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Override
    public Integer call() throws Exception {
        new SessionTakeover(Endpoint.parse(nodeA, 1883), Endpoint.parse(nodeB, 1883), rounds, System.out).run();
        return 0;
    }
}
