package io.mqttcluster.bench.failover;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A fleet through the gateway of scripts/run-local.sh, as a user would try failover: N devices with persistent
 * sessions connect through the gateway and subscribe to a command topic; the run prints how they spread over the
 * nodes (the gateway's gateway_connections{node}); then it kills the node with the most devices with kill -9 and
 * measures, for that node's devices, the time until they are connected again (through the gateway, session
 * present) and until they receive commands again (a publisher sends one to all every interval, 250 ms by default,
 * so that is the resolution). The node's PID comes from run-dir/node&lt;i&gt;.pid.
 *
 * <p>Each device is a thread on a blocking socket ({@link FleetDevice}), so that a device's reconnect is timed as
 * a device would see it, independent of an event loop shared with the others.
 */
public final class FleetFailover {

    /** What a run is given. */
    public record Options(int devices, String gatewayHost, int gatewayPort, String gatewayHttp, Path runDir,
                          long commandIntervalMillis) {
        /** From the command line's words: {@code gateway} is {@code host:port}. */
        public static Options of(int devices, String gateway, String gatewayHttp, String runDir, long commandIntervalMillis) {
            String[] gw = gateway.split(":");
            return new Options(devices, gw[0], Integer.parseInt(gw[1]), gatewayHttp, Path.of(runDir), commandIntervalMillis);
        }
    }

    private final Options o;
    private final PrintStream out;
    private final FailoverRecord record = new FailoverRecord();

    public FleetFailover(Options options, PrintStream out) {
        this.o = options;
        this.out = out;
    }

    /** Runs the whole failover; returns 0 when every device of the killed node came back with its session and every device received commands again, else 1. */
    public int run() throws Exception {
        String prefix = "fleet-" + ProcessHandle.current().pid() + "-";
        CountDownLatch up = new CountDownLatch(o.devices());
        long t0 = System.nanoTime();
        for (int i = 0; i < o.devices(); i++) {
            String id = prefix + i;
            Thread t = new Thread(new FleetDevice(o.gatewayHost(), o.gatewayPort(), id, i, up, record), id);
            t.setDaemon(true);
            t.start();
        }
        if (!up.await(120, TimeUnit.SECONDS)) {
            out.println("only " + (o.devices() - up.getCount()) + " of " + o.devices() + " devices connected");
            return 1;
        }
        out.printf(Locale.ROOT, "%d devices connected through %s:%d in %.1f s%n", o.devices(), o.gatewayHost(), o.gatewayPort(),
                (System.nanoTime() - t0) / 1e9);
        Map<String, Integer> spread = GatewaySpread.fetch(o.gatewayHttp());
        out.println("spread over the nodes (gateway_connections{node}): " + spread);

        Thread publisher = new Thread(new CommandPublisher(o.gatewayHost(), o.gatewayPort(), prefix + "publisher",
                o.commandIntervalMillis(), record), "publisher");
        publisher.setDaemon(true);
        publisher.start();
        Thread.sleep(1000);

        String victim = GatewaySpread.busiest(spread);
        int index = GatewaySpread.nodeIndex(victim);
        long pid = Long.parseLong(Files.readString(o.runDir().resolve("node" + index + ".pid")).trim());
        int onVictim = spread.get(victim);
        out.println("kill -9 " + pid + " (node " + index + ", " + victim + ", " + onVictim + " devices)");
        record.markKill();
        new ProcessBuilder("kill", "-9", String.valueOf(pid)).inheritIO().start().waitFor();

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline
                && (record.reconnectedAt.size() < onVictim || record.receivedAfterKill.size() < o.devices())) {
            Thread.sleep(100);
        }
        boolean allBack = report(onVictim);
        out.println("spread after the failover: " + GatewaySpread.fetch(o.gatewayHttp()));
        record.stop = true;
        return allBack && record.receivedAfterKill.size() == o.devices() ? 0 : 1;
    }

    /** Prints the times since the kill; true when all of the killed node's devices came back with their session. */
    private boolean report(int onVictim) {
        List<Double> back = sinceKill(record.reconnectedAt.values());
        List<Double> receiving = new ArrayList<>();
        for (Map.Entry<String, Long> e : record.receivedAfterKill.entrySet()) {
            if (record.reconnectedAt.containsKey(e.getKey())) {
                receiving.add((e.getValue() - record.killedAt) / 1e6);
            }
        }
        long present = record.sessionPresent.values().stream().filter(b -> b).count();
        out.printf(Locale.ROOT, "devices that reconnected: %d (the killed node had %d), session present: %d%n", back.size(),
                onVictim, present);
        out.println("kill -9 -> reconnected (ms): " + Percentiles.summary(back));
        out.println("kill -9 -> receiving commands again (ms): " + Percentiles.summary(receiving));
        out.println("CONNECT -> CONNACK of those reconnects (ms): " + Percentiles.summary(millis(record.connackMillis.values()))
                + ", connection attempts: " + record.attemptsAfterKill.get());
        out.println("TCP connect of those reconnects (ms): " + Percentiles.summary(millis(record.tcpMillis.values())));
        return back.size() >= onVictim && present == back.size();
    }

    private List<Double> sinceKill(Iterable<Long> nanoTimes) {
        List<Double> out = new ArrayList<>();
        for (long t : nanoTimes) {
            out.add((t - record.killedAt) / 1e6);
        }
        return out;
    }

    private static List<Double> millis(Iterable<Long> values) {
        List<Double> out = new ArrayList<>();
        values.forEach(v -> out.add(v.doubleValue()));
        return out;
    }
}
