package io.mqttcluster.faults;

import io.mqttcluster.faults.check.Checker;
import io.mqttcluster.faults.check.Verdict;
import io.mqttcluster.faults.history.History;
import io.mqttcluster.faults.nemesis.FaultKind;
import io.mqttcluster.faults.report.ReportWriter;
import io.mqttcluster.faults.report.RunReport;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * The harness's command line: one seeded run against a 3-node cluster (or a single Mosquitto), or a re-check of
 * a recorded history. Exit code 0 when the run passed, 1 when it found something, 2 on an error.
 */
@Command(name = "fault-harness", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Runs a real 3-node mqtt-cluster, injects faults on a seeded schedule while our own MQTT clients "
                + "publish and subscribe, records a history and checks it: acknowledged-but-lost, QoS 2 duplicates, order, "
                + "recovery time."})
public final class Main implements Callable<Integer> {

    @Option(names = "--seed", description = "seed of the fault plan (default: the current time, printed)")
    Long seed;

    @Option(names = "--duration", defaultValue = "150s", description = "length of the fault phase: 90s, 30m (default ${DEFAULT-VALUE})")
    String duration;

    @Option(names = "--faults", defaultValue = "kill,stop,partition,partition-partial,bus-reset,takeover,reconnect",
            split = ",", description = "fault kinds (default ${DEFAULT-VALUE})")
    List<String> faults;

    @Option(names = "--rate", defaultValue = "200", description = "messages per second over all publishers (default ${DEFAULT-VALUE})")
    double rate;

    @Option(names = "--gateway", description = "clients connect through lb-gateway")
    boolean gateway;

    @Option(names = "--out", defaultValue = "target/fault-runs", description = "directory for run directories (default ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--target", defaultValue = "cluster", description = "cluster, or mosquitto (a single /usr/sbin/mosquitto, client faults only)")
    String target;

    @Option(names = "--loopback", description = "nodes on loopback even where network namespaces work (no partitions)")
    boolean loopback;

    @Option(names = "--broker-jar", defaultValue = "broker-node/target/broker-node.jar")
    Path brokerJar;

    @Option(names = "--gateway-jar", defaultValue = "lb-gateway/target/lb-gateway.jar")
    Path gatewayJar;

    @Option(names = "--node-arg", description = "one more argument for every node (repeat: --node-arg=--set --node-arg=k=v)")
    List<String> nodeArgs = new ArrayList<>();

    @Option(names = "--end-phase", defaultValue = "150s", description = "most time to heal, reconnect and drain at the end (default ${DEFAULT-VALUE})")
    String endPhase;

    @Option(names = "--keep-logs", description = "keep node logs and the history of a run that passed")
    boolean keepLogs;

    @Option(names = "--check", description = "only check a recorded history.log and print the summary")
    Path check;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (check != null) {
            long start = History.readStartWallMillis(check);
            Verdict v = Checker.check(io.mqttcluster.faults.check.NodeLogs.withMembership(History.read(check),
                    check.toAbsolutePath().getParent(), start), start, 200);
            RunReport r = new RunReport(-1, v.passed(), "re-check of " + check, "", 0, List.of(), Map.of(), 0, 0, 0,
                    v.faultsByKind().values().stream().mapToInt(Long::intValue).sum(), check.toAbsolutePath().getParent().toString(), v);
            System.out.print(ReportWriter.text(r));
            return v.passed() ? 0 : 1;
        }
        long s = seed != null ? seed : System.currentTimeMillis() % 1_000_000_000L;
        Set<FaultKind> kinds = EnumSet.noneOf(FaultKind.class);
        for (String f : faults) {
            if (!f.isBlank() && !f.equals("none")) {
                kinds.add(FaultKind.of(f));
            }
        }
        HarnessOptions o = new HarnessOptions(s, parse(duration), kinds, rate, gateway, out, target, loopback, brokerJar,
                gatewayJar, nodeArgs, parse(endPhase), keepLogs);
        Harness.Result r = Harness.run(o);
        System.out.print(ReportWriter.text(r.report()));
        System.out.println(r.passed() ? "PASSED" : "FAILED: seed " + s + ", report " + r.runDir().resolve("summary.txt"));
        return r.passed() ? 0 : 1;
    }

    /** 90s, 30m, 1h, or plain seconds. */
    static Duration parse(String d) {
        String t = d.trim().toLowerCase();
        if (t.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
        }
        char unit = t.charAt(t.length() - 1);
        if (Character.isDigit(unit)) {
            return Duration.ofSeconds(Long.parseLong(t));
        }
        long n = Long.parseLong(t.substring(0, t.length() - 1));
        return switch (unit) {
            case 's' -> Duration.ofSeconds(n);
            case 'm' -> Duration.ofMinutes(n);
            case 'h' -> Duration.ofHours(n);
            default -> throw new IllegalArgumentException("duration " + d);
        };
    }
}
