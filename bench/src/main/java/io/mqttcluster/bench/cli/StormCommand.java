package io.mqttcluster.bench.cli;

import io.mqttcluster.bench.load.Plan;
import io.mqttcluster.bench.load.Settings;
import io.mqttcluster.bench.report.RunResult;
import io.mqttcluster.bench.scenario.ReconnectStorm;
import io.mqttcluster.bench.scenario.Scenarios;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;

@Command(name = "reconnect-storm", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Reconnect storm: N persistent-session subscribers (clean session false) get a background "
                + "stream from one publisher on <root>/storm; after --hold all N connections are dropped at once "
                + "(TCP close, no DISCONNECT) and reconnect immediately.",
                "Reports the time until all are back (CONNACK with session present, or re-subscribed), how many lost "
                        + "their session, and lost/duplicated messages of the stream. Defaults here: QoS 1, --rate 100, "
                        + "no window, source addresses 127.0.0.2-127.0.0.50. The sessions are cleared at the end."})
final class StormCommand extends LoadCommand {
    @Option(names = {"-C", "--clients"}, defaultValue = "1000", description = "Persistent-session subscribers (default: ${DEFAULT-VALUE}).")
    int clients;

    @Option(names = "--hold", defaultValue = "5s", converter = DurationConverter.class,
            description = "Stream time before the first storm (default: ${DEFAULT-VALUE}).")
    Duration hold;

    @Option(names = "--after", defaultValue = "5s", converter = DurationConverter.class,
            description = "Stream time after each storm (default: ${DEFAULT-VALUE}).")
    Duration after;

    @Option(names = "--storms", defaultValue = "1", description = "Storms in a row (default: ${DEFAULT-VALUE}).")
    int storms;

    @Option(names = "--reconnect-timeout", defaultValue = "60s", converter = DurationConverter.class,
            description = "Give up waiting for all clients to be back after this long (default: ${DEFAULT-VALUE}).")
    Duration reconnectTimeout;

    @Option(names = "--cleanup", arity = "1", defaultValue = "true", paramLabel = "true|false",
            description = "Clear the persistent sessions at the end (default: ${DEFAULT-VALUE}).")
    boolean cleanup;

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
            s.rate = 100;
        }
        if (!given("--window")) {
            s.window = 0;
        }
        if (!given("--warmup")) {
            s.warmup = Duration.ZERO;
        }
    }

    @Override
    Plan plan(Settings s, String root) {
        return Scenarios.storm(s, root, clients);
    }

    @Override
    RunResult execute(Settings s, Plan plan) {
        ReconnectStorm.Options o = new ReconnectStorm.Options();
        o.clients = clients;
        o.hold = hold;
        o.after = after;
        o.storms = storms;
        o.reconnectTimeout = reconnectTimeout;
        o.cleanup = cleanup;
        return new ReconnectStorm(s, o, load.root()).run();
    }
}
