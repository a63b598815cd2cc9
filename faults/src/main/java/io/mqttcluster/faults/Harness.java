package io.mqttcluster.faults;

import io.mqttcluster.faults.check.Checker;
import io.mqttcluster.faults.check.Verdict;
import io.mqttcluster.faults.client.ClientMix;
import io.mqttcluster.faults.client.ClientSettings;
import io.mqttcluster.faults.client.MqttTestClient;
import io.mqttcluster.faults.client.Publisher;
import io.mqttcluster.faults.client.Subscriber;
import io.mqttcluster.faults.cluster.BrokerCluster;
import io.mqttcluster.faults.cluster.Capabilities;
import io.mqttcluster.faults.cluster.MetricsScraper;
import io.mqttcluster.faults.cluster.MosquittoTarget;
import io.mqttcluster.faults.cluster.NetnsLab;
import io.mqttcluster.faults.cluster.NodeProcess;
import io.mqttcluster.faults.cluster.Target;
import io.mqttcluster.faults.history.History;
import io.mqttcluster.faults.nemesis.BusResetNemesis;
import io.mqttcluster.faults.nemesis.ClientNemesis;
import io.mqttcluster.faults.nemesis.Fault;
import io.mqttcluster.faults.nemesis.FaultKind;
import io.mqttcluster.faults.nemesis.FaultRunner;
import io.mqttcluster.faults.nemesis.FaultSchedule;
import io.mqttcluster.faults.nemesis.KillNemesis;
import io.mqttcluster.faults.nemesis.Nemesis;
import io.mqttcluster.faults.nemesis.PartitionNemesis;
import io.mqttcluster.faults.nemesis.StopNemesis;
import io.mqttcluster.faults.report.ReportWriter;
import io.mqttcluster.faults.report.RunReport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * One run of the fault harness, start to verdict: set up the hosts (network namespaces, else loopback), start
 * the cluster, start the clients, inject the seeded faults for the fault phase, heal everything and let every
 * client reconnect and every queue drain, read the nodes' drop counters, stop, check the history, write the
 * report. Whatever happens, the processes it started and the namespaces it made are removed (try/finally and a
 * shutdown hook).
 */
public final class Harness {

    /** What a run returns: whether it passed, where its files are, its report. */
    public record Result(boolean passed, Path runDir, RunReport report) {
    }

    private static final DateTimeFormatter DIR_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);
    private static final long QUIET_MS = 5000;

    private final HarnessOptions o;
    private final Path runDir;
    private final History history;
    private final Map<String, String> leftOut = new TreeMap<>();
    private final AtomicBoolean cleaned = new AtomicBoolean();
    private NetnsLab lab;
    private Target target;
    private ClientMix mix;
    private FaultRunner runner;

    private Harness(HarnessOptions o) throws IOException {
        this.o = o;
        this.runDir = o.out().toAbsolutePath().resolve("seed-" + o.seed() + "-" + DIR_TIME.format(Instant.now()));
        Files.createDirectories(runDir);
        this.history = History.toFile(runDir.resolve("history.log"));
    }

    public static Result run(HarnessOptions o) throws Exception {
        Harness h = new Harness(o);
        Thread hook = new Thread(h::cleanUp, "fault-harness-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return h.execute();
        } finally {
            h.cleanUp();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException ignored) {
                // the JVM is shutting down: the hook runs (and finds everything cleaned)
            }
        }
    }

    private Result execute() throws Exception {
        Set<FaultKind> kinds = EnumSet.noneOf(FaultKind.class);
        kinds.addAll(o.kinds());
        BusResetNemesis.Method resetMethod = setUpTarget(kinds);
        kinds.removeIf(k -> leftOut.containsKey(k.id));
        history.note("run", "start", "seed=" + o.seed() + ",kinds=" + kinds.toString().replace(" ", "") + ",target="
                + target.describe());
        System.out.printf("fault-harness: seed %d, %s; run directory %s%n", o.seed(), target.describe(), runDir);
        leftOut.forEach((k, why) -> System.out.printf("fault-harness: %s left out: %s%n", k, why));

        long t0 = System.nanoTime();
        target.start();
        mix = ClientMix.standard(target.endpoints(), o.rate(), history, ClientSettings.defaults());
        for (MqttTestClient c : mix.all()) {
            c.start();
        }
        Waits.until(() -> mix.all().stream().allMatch(MqttTestClient::isConnected), Waits.in(60_000), 100);
        Thread.sleep(3000); // warm-up: traffic flows before the first fault
        MetricsScraper scraper = new MetricsScraper(target, history);
        scraper.start();
        long startupMs = (System.nanoTime() - t0) / 1_000_000;

        List<Fault> plan = FaultSchedule.plan(o.seed(), kinds, target.nodes().size(), mix.all().size(), 500);
        writePlan(plan);
        runner = new FaultRunner(plan, nemeses(kinds, resetMethod), target, history);
        history.note("phase", "faults", "");
        long t1 = System.nanoTime();
        int injected = runner.run(t1 + o.faultPhase().toNanos());
        long faultMs = (System.nanoTime() - t1) / 1_000_000;

        long t2 = System.nanoTime();
        endPhase(t2 + o.endPhase().toNanos());
        scraper.record();
        for (MqttTestClient c : mix.all()) {
            c.stop(3000);
        }
        long endMs = (System.nanoTime() - t2) / 1_000_000;
        history.note("phase", "stopped", "");
        target.close();
        history.flush();

        Verdict v = Checker.check(io.mqttcluster.faults.check.NodeLogs.withMembership(history.snapshot(), runDir,
                history.startWallMillis()), history.startWallMillis(), 200);
        RunReport report = new RunReport(o.seed(), v.passed(), target.describe(),
                Instant.ofEpochMilli(history.startWallMillis()).toString(), o.rate(),
                o.kinds().stream().map(k -> k.id).toList(), leftOut, startupMs, faultMs, endMs, injected,
                runDir.toString(), v);
        ReportWriter.write(runDir, report);
        history.close();
        if (v.passed() && !o.keepLogs()) {
            deleteLogs();
        }
        return new Result(v.passed(), runDir, report);
    }

    /** Makes the target and decides which fault kinds this machine can do; returns how to reset connections. */
    private BusResetNemesis.Method setUpTarget(Set<FaultKind> kinds) throws IOException {
        if (o.target().equals("mosquitto")) {
            for (FaultKind k : kinds) {
                if (k != FaultKind.TAKEOVER && k != FaultKind.RECONNECT) {
                    leftOut.put(k.id, "a single Mosquitto: client faults only");
                }
            }
            if (!Files.isExecutable(MosquittoTarget.BINARY)) {
                throw new IllegalStateException(MosquittoTarget.BINARY + " is not installed (scripts/test.sh installs it)");
            }
            target = new MosquittoTarget(runDir);
            return null;
        }
        requireJar(o.brokerJar());
        if (o.gateway()) {
            requireJar(o.gatewayJar());
        }
        String why = o.loopback() ? "--loopback asked for" : NetnsLab.unavailableReason();
        if (why == null) {
            lab = NetnsLab.create(3);
        } else {
            for (FaultKind k : FaultKind.needingNamespaces()) {
                if (kinds.contains(k)) {
                    leftOut.put(k.id, "nodes on loopback: " + why);
                }
            }
        }
        BusResetNemesis.Method method = null;
        if (kinds.contains(FaultKind.BUS_RESET)) {
            if (Capabilities.ssKillWorks()) {
                method = BusResetNemesis.Method.SS_KILL;
            } else if (Capabilities.iptablesWorks()) {
                method = BusResetNemesis.Method.IPTABLES;
            } else {
                leftOut.put(FaultKind.BUS_RESET.id, "neither ss -K (needs root and CONFIG_INET_DIAG_DESTROY) nor iptables works here");
            }
        }
        target = new BrokerCluster(3, lab, o.brokerJar(), o.gateway() ? o.gatewayJar() : null, runDir, o.nodeArgs());
        return method;
    }

    private static void requireJar(Path jar) {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar.toAbsolutePath() + " is missing: build it with mvn -B -q -DskipTests install");
        }
    }

    private Map<FaultKind, Nemesis> nemeses(Set<FaultKind> kinds, BusResetNemesis.Method resetMethod) {
        Map<FaultKind, Nemesis> n = new EnumMap<>(FaultKind.class);
        List<MqttTestClient> clients = mix.all();
        for (FaultKind k : kinds) {
            BrokerCluster cluster = target instanceof BrokerCluster b ? b : null;
            switch (k) {
                case KILL -> n.put(k, new KillNemesis(cluster));
                case STOP -> n.put(k, new StopNemesis(target));
                case PARTITION -> n.put(k, new PartitionNemesis(cluster, false));
                case PARTITION_PARTIAL -> n.put(k, new PartitionNemesis(cluster, true));
                case BUS_RESET -> n.put(k, new BusResetNemesis(cluster, resetMethod));
                case TAKEOVER -> n.put(k, new ClientNemesis(clients, true));
                case RECONNECT -> n.put(k, new ClientNemesis(clients, false));
            }
        }
        return n;
    }

    /**
     * Faults stop, everything is healed and restarted, every client reconnects, publishers stop and finish their
     * in-flight messages, and the run waits until no subscriber has received anything for a few seconds.
     */
    private void endPhase(long deadline) throws Exception {
        history.note("phase", "heal", "");
        runner.healActive();
        if (lab != null) {
            lab.healAll();
        }
        if (target instanceof BrokerCluster cluster) {
            for (int i = 0; i < cluster.nodes().size(); i++) {
                NodeProcess n = cluster.nodes().get(i);
                if (n.isPaused()) {
                    n.resume();
                }
                if (!n.isAlive()) {
                    cluster.restart(i);
                }
            }
        }
        boolean steady = Waits.until(target::steady, Waits.min(deadline, Waits.in(90_000)), 500);
        history.note("phase", "healed", "steady=" + steady);
        boolean connected = Waits.until(() -> mix.all().stream().allMatch(MqttTestClient::isConnected),
                Waits.min(deadline, Waits.in(60_000)), 100);
        if (!connected) {
            List<String> away = mix.all().stream().filter(c -> !c.isConnected()).map(MqttTestClient::id).toList();
            history.note("clients_not_reconnected", "end", "clients=" + String.join(";", away));
        }
        history.note("phase", "drain", "");
        for (Publisher p : mix.publishers) {
            p.stopPublishing();
        }
        Waits.until(() -> mix.publishers.stream().allMatch(p -> p.inFlight() == 0), Waits.min(deadline, Waits.in(60_000)), 100);
        Waits.until(() -> quietFor(QUIET_MS), deadline, 200);
        history.note("phase", "quiet", "");
        // A persistent subscriber that stayed connected may hold acknowledged messages the broker stored in its
        // session but never sent: one more reconnect tells "stored, stuck" (delivered now) from "lost" (never).
        history.note("phase", "final-reconnect", "");
        Map<Subscriber, Integer> before = new java.util.HashMap<>();
        for (Subscriber s : mix.subscribers) {
            if (!s.isClean()) {
                before.put(s, s.established());
                s.drop();
            }
        }
        Waits.until(() -> before.entrySet().stream().allMatch(e -> e.getKey().established() > e.getValue()
                && e.getKey().isConnected()), Waits.min(deadline, Waits.in(30_000)), 100);
        long reconnected = history.now();
        Waits.until(() -> quietFor(QUIET_MS) && history.now() - reconnected > QUIET_MS * 1000, deadline, 200);
        history.note("phase", "done", "");
    }

    private boolean quietFor(long millis) {
        long last = 0;
        for (Subscriber s : mix.subscribers) {
            last = Math.max(last, s.lastFresh());
        }
        return history.now() - last > millis * 1000;
    }

    private void writePlan(List<Fault> plan) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add("# seeded fault plan (seed " + o.seed() + "); the run injects them in order until its fault phase ends");
        for (Fault f : plan.subList(0, Math.min(100, plan.size()))) {
            lines.add(f.describe());
        }
        Files.write(runDir.resolve("plan.txt"), lines, StandardCharsets.UTF_8);
    }

    private void deleteLogs() throws IOException {
        try (Stream<Path> files = Files.list(runDir)) {
            for (Path p : files.toList()) {
                String name = p.getFileName().toString();
                if (name.endsWith(".log") || name.equals("mosquitto.conf")) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /**
     * Stops the clients and every process (a stopped one gets SIGCONT first) and removes the namespaces, which
     * also undoes any cut link or route. Idempotent.
     */
    private void cleanUp() {
        if (!cleaned.compareAndSet(false, true)) {
            return;
        }
        if (mix != null) {
            for (MqttTestClient c : mix.all()) {
                try {
                    c.stop(2000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        if (target != null) {
            target.close();
        }
        if (lab != null) {
            lab.close();
        }
        history.close();
    }
}
