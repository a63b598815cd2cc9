package io.mqttcluster.bench.cli;

import io.mqttcluster.bench.load.Plan;
import io.mqttcluster.bench.load.Settings;
import io.mqttcluster.bench.scenario.Scenarios;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The load scenario commands: pub, sub, fanin, fanout, pairs, fleet. */
final class ScenarioCommands {
    private ScenarioCommands() {
    }

    @Command(name = "fanin", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Fan-in: P publishers, each on its own topic <root>/fanin/<i>, one subscriber on the wildcard "
                    + "<root>/fanin/+ that expects every message.",
                    "Measures the subscriber's receive rate and end-to-end latency; lost, duplicated and out-of-order "
                            + "counts are per publisher stream."})
    static final class Fanin extends LoadCommand {
        @Option(names = {"-P", "--publishers"}, defaultValue = "10", description = "Publishers (default: ${DEFAULT-VALUE}).")
        int publishers;

        @Override
        Plan plan(Settings s, String root) {
            return Scenarios.fanin(s, root, publishers);
        }
    }

    @Command(name = "fanout", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Fan-out: one publisher on <root>/fanout, S subscribers that each expect every message.",
                    "The closed-loop window counts a message until all S subscribers have it."})
    static final class Fanout extends LoadCommand {
        @Option(names = {"-S", "--subscribers"}, defaultValue = "10", description = "Subscribers (default: ${DEFAULT-VALUE}).")
        int subscribers;

        @Override
        Plan plan(Settings s, String root) {
            return Scenarios.fanout(s, root, subscribers);
        }
    }

    @Command(name = "pairs", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"N publisher/subscriber pairs, pair i on its own topic <root>/pairs/<i>.",
                    "With --pub-hosts and --sub-hosts on different nodes every message crosses the cluster."})
    static final class Pairs extends LoadCommand {
        @Option(names = {"-N", "--pairs"}, defaultValue = "10", description = "Pairs (default: ${DEFAULT-VALUE}).")
        int pairs;

        @Override
        Plan plan(Settings s, String root) {
            return Scenarios.pairs(s, root, pairs);
        }
    }

    @Command(name = "fleet", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Fleet: N devices publish telemetry to <fleet-root>/<id>/telemetry at a per-device rate "
                    + "(typically through the gateway: --pub-hosts), M backend consumers share "
                    + "$share/<group>/<fleet-root>/+/telemetry (typically on a node: --sub-hosts).",
                    "Every message is expected exactly once across the group. Defaults here: QoS 1, source addresses "
                            + "127.0.0.2-127.0.0.50, connect rate 1000/s."})
    static final class Fleet extends LoadCommand {
        @Option(names = {"-D", "--devices"}, defaultValue = "1000", description = "Devices (default: ${DEFAULT-VALUE}).")
        int devices;

        @Option(names = "--device-rate", defaultValue = "1", paramLabel = "MSG/S",
                description = "Messages per second per device; --rate, if given, is the total instead (default: ${DEFAULT-VALUE}).")
        double deviceRate;

        @Option(names = {"-M", "--consumers"}, defaultValue = "2", description = "Backend consumers in the shared group (default: ${DEFAULT-VALUE}).")
        int consumers;

        @Option(names = "--group", defaultValue = "ingest", description = "Shared subscription group (default: ${DEFAULT-VALUE}).")
        String group;

        @Option(names = "--fleet-root", defaultValue = "fleet", description = "First topic level of the device topics (default: ${DEFAULT-VALUE}).")
        String fleetRoot;

        @Override
        String defaultSourceIps() {
            return "127.0.0.2-127.0.0.50";
        }

        @Override
        void adjust(Settings s) {
            if (!given("--qos")) {
                s.qos = 1;
            }
            if (!given("--rate")) {
                s.rate = devices * deviceRate;
            }
            if (!given("--connect-rate")) {
                s.connectRate = 1000;
            }
        }

        @Override
        Plan plan(Settings s, String root) {
            Plan p = Scenarios.fleet(s, fleetRoot, devices, consumers, group);
            p.parameters.put("device_rate", s.rate / Math.max(1, devices));
            return p;
        }
    }

    @Command(name = "pub", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Publishers only: P clients publish to --topic (%%i = publisher index).",
                    "Reports the send rate and, for QoS 1/2, the publish-to-PUBACK/PUBCOMP latency. Pair it with a "
                            + "'sub' in another process: payloads carry wall-clock-anchored send times."})
    static final class Pub extends LoadCommand {
        @Option(names = {"-P", "--publishers"}, defaultValue = "1", description = "Publishers (default: ${DEFAULT-VALUE}).")
        int publishers;

        @Option(names = {"-t", "--topic"}, description = "Topic; %%i is replaced by the publisher index (default: <root>/pub/%%i).")
        String topic;

        @Override
        Plan plan(Settings s, String root) {
            return Scenarios.pub(s, topic != null ? topic : root + "/pub/%i", publishers);
        }
    }

    @Command(name = "sub", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Subscribers only: S clients subscribe to --topic (%%i = subscriber index) for the duration.",
                    "Checks every bench payload that arrives: rate, latency (from the sender's clock), duplicates, "
                            + "out-of-order, and gaps in each publisher's sequence numbers (reported as lost).",
                    "A $share/... filter makes the members one receiver: duplicates across the group count."})
    static final class Sub extends LoadCommand {
        @Option(names = {"-S", "--subscribers"}, defaultValue = "1", description = "Subscribers (default: ${DEFAULT-VALUE}).")
        int subscribers;

        @Option(names = {"-t", "--topic"}, defaultValue = "bench/#", description = "Filter (default: ${DEFAULT-VALUE}).")
        String topic;

        @Override
        void adjust(Settings s) {
            if (!given("--warmup")) {
                s.warmup = java.time.Duration.ZERO;
            }
        }

        @Override
        Plan plan(Settings s, String root) {
            return Scenarios.sub(s, topic, subscribers);
        }
    }
}
