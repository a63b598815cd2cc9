package io.mqttcluster.bench.cli;

import io.mqttcluster.bench.report.RunResult;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** The root command: {@code java -jar bench.jar <scenario> [options]}. */
@Command(name = "bench", mixinStandardHelpOptions = true, version = "mqtt-cluster bench 0.1",
        description = {"Load generator and fleet simulator for MQTT brokers (a lean MQTT 3.1.1/5 client on Netty).",
                "Every payload carries publisher index, sequence number and send time, so each run reports "
                        + "rates, end-to-end latency percentiles, and lost, duplicated and out-of-order messages per stream."},
        subcommands = {
                ConnCommand.class,
                ScenarioCommands.Pub.class,
                ScenarioCommands.Sub.class,
                ScenarioCommands.Fanin.class,
                ScenarioCommands.Fanout.class,
                ScenarioCommands.Pairs.class,
                ScenarioCommands.Fleet.class,
                StormCommand.class,
                FleetFailoverCommand.class,
                TakeoverCommand.class,
                ReportCommand.class,
                CommandLine.HelpCommand.class
        },
        footer = {"", "Examples:",
                "  bench fanin --port 1883 -P 10 -q 1 -d 10s --json fanin.json",
                "  bench pairs --pub-hosts 127.0.0.1:1883 --sub-hosts 127.0.0.1:1884 -N 50 -q 1",
                "  bench fleet --pub-hosts 127.0.0.1:1880 --sub-hosts 127.0.0.1:1883 -D 5000 --device-rate 1",
                "  bench conn -c 19000 -r 2000 --hold 10s --broker-pid $(pgrep -o mosquitto)",
                "  bench fleet-failover 1000          (against scripts/run-local.sh)",
                "  bench takeover 127.0.0.1:1884 127.0.0.1:1885",
                "  bench report results/"})
public final class BenchCommand implements Callable<Integer> {

    /** Commands that produce a {@link RunResult}. */
    public interface ResultHolder {
        RunResult result();
    }

    /** The exit code and result of one command line. */
    public static final class Execution {
        public final int exitCode;
        public final RunResult result;

        Execution(int exitCode, RunResult result) {
            this.exitCode = exitCode;
            this.result = result;
        }
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(System.out);
        return 0;
    }

    public static CommandLine commandLine() {
        // Later options win, so scripts can append overrides to a base command line.
        return new CommandLine(new BenchCommand()).setCaseInsensitiveEnumValuesAllowed(true).setOverwrittenOptionsAllowed(true);
    }

    /** Runs one command line in this process (used by tests and main). */
    public static Execution execute(String... args) {
        CommandLine cl = commandLine();
        int code = cl.execute(args);
        RunResult result = null;
        CommandLine.ParseResult pr = cl.getParseResult();
        if (pr != null && pr.subcommand() != null) {
            Object user = pr.subcommand().commandSpec().userObject();
            if (user instanceof ResultHolder) {
                result = ((ResultHolder) user).result();
            }
        }
        return new Execution(code, result);
    }
}
