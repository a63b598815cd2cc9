package io.mqttcluster.faults.cluster;

import io.mqttcluster.faults.client.Endpoint;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Three broker nodes run from the shaded jar, each in its own network namespace (or, without one, on loopback
 * with ports of their own), joined into one cluster by an explicit member list; optionally lb-gateway in front.
 * A node keeps its name, address and ports across restarts.
 */
public final class BrokerCluster implements Target {

    /** Where node i listens. */
    public record NodeAddress(String name, String host, int mqttPort, int httpPort, int clusterPort, int busPort) {
    }

    /** mqtt.max-queued-messages of the run's nodes. */
    public static final int QUEUE_LIMIT = 100_000;

    private final NetnsLab lab;
    private final List<NodeAddress> addresses = new ArrayList<>();
    private final List<NodeProcess> nodes = new ArrayList<>();
    private final NodeProcess gateway;
    private final int gatewayPort;
    private final String clusterName = "fh-" + UUID.randomUUID().toString().substring(0, 8);

    /**
     * @param lab       the namespaces to run in, or null for loopback
     * @param extraArgs more node flags (e.g. {@code --set key=value}), added last
     */
    public BrokerCluster(int size, NetnsLab lab, Path brokerJar, Path gatewayJar, Path logDir, List<String> extraArgs)
            throws IOException {
        this.lab = lab;
        List<Integer> free = lab == null ? FreePorts.take(4 * size) : List.of();
        for (int i = 0; i < size; i++) {
            String name = "f" + (i + 1);
            addresses.add(lab != null
                    ? new NodeAddress(name, lab.address(i + 1), 1883, 8080, 5701, 5801)
                    : new NodeAddress(name, "127.0.0.1", free.get(i), free.get(size + i), free.get(2 * size + i),
                    free.get(3 * size + i)));
        }
        List<String> members = new ArrayList<>();
        for (NodeAddress a : addresses) {
            members.add(a.host() + ":" + a.clusterPort());
        }
        for (int i = 0; i < size; i++) {
            NodeAddress a = addresses.get(i);
            List<String> cmd = new ArrayList<>(NodeProcess.javaJar(brokerJar, "256m"));
            cmd.addAll(List.of(
                    "--node-name", a.name(),
                    "--mqtt-port", String.valueOf(a.mqttPort()),
                    "--http-port", String.valueOf(a.httpPort()),
                    "--cluster-port", String.valueOf(a.clusterPort()),
                    "--cluster-members", String.join(",", members),
                    "--cluster-size", String.valueOf(size),
                    "--cluster-name", clusterName,
                    "--set", "cluster.bus-port=" + a.busPort(),
                    "--set", "cluster.max-no-heartbeat=5s",
                    "--set", "mqtt.event-loops=1",
                    "--set", "mqtt.host=" + a.host(),
                    "--set", "http.host=" + a.host(),
                    "--set", "cluster.host=" + a.host(),
                    // a session queue far above what a subscriber away for a fault collects at the run's rate, so
                    // a loss is the broker's and not the queue bound's (queue_full drops are still read and reported)
                    "--set", "mqtt.max-queued-messages=" + QUEUE_LIMIT));
            cmd.addAll(extraArgs);
            nodes.add(new NodeProcess(a.name(), lab == null ? cmd : lab.inside(i + 1, cmd), logDir,
                    line -> line.contains("broker_listening")));
        }
        if (gatewayJar != null) {
            List<Integer> gw = FreePorts.take(2);
            gatewayPort = gw.get(0);
            List<String> nodeList = new ArrayList<>();
            for (NodeAddress a : addresses) {
                nodeList.add(a.host() + ":" + a.mqttPort() + ":" + a.httpPort());
            }
            List<String> cmd = new ArrayList<>(NodeProcess.javaJar(gatewayJar, "256m"));
            cmd.addAll(List.of("--port", String.valueOf(gatewayPort), "--http-port", String.valueOf(gw.get(1)),
                    "--bind-address", "127.0.0.1", "--nodes", String.join(",", nodeList)));
            gateway = new NodeProcess("gateway", cmd, logDir, line -> line.contains("gateway_listening"));
        } else {
            gateway = null;
            gatewayPort = -1;
        }
    }

    @Override
    public String describe() {
        return nodes.size() + " nodes (cluster " + clusterName + ") " + (lab == null ? "on loopback" : "in " + lab.describe())
                + (gateway == null ? "" : ", clients through lb-gateway on 127.0.0.1:" + gatewayPort);
    }

    @Override
    public void start() throws Exception {
        for (NodeProcess n : nodes) {
            n.start();
        }
        for (NodeProcess n : nodes) {
            n.awaitReady(180);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!allSeeAll() && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(250); // polling the nodes' own view; bounded by the deadline
        }
        if (!allSeeAll()) {
            throw new IllegalStateException("the nodes did not form one cluster of " + nodes.size() + " in 120 s");
        }
        if (gateway != null) {
            gateway.start();
            gateway.awaitReady(60);
        }
    }

    /** Restarts node i after a kill (same name, address and ports) and waits until it listens. */
    public void restart(int i) throws Exception {
        nodes.get(i).start();
        nodes.get(i).awaitReady(180);
    }

    public NodeAddress address(int i) {
        return addresses.get(i);
    }

    public NetnsLab lab() {
        return lab;
    }

    @Override
    public List<NodeProcess> nodes() {
        return nodes;
    }

    @Override
    public List<Endpoint> endpoints() {
        if (gateway != null) {
            return List.of(new Endpoint("gw", "127.0.0.1", gatewayPort));
        }
        List<Endpoint> out = new ArrayList<>();
        for (NodeAddress a : addresses) {
            out.add(new Endpoint(a.name(), a.host(), a.mqttPort()));
        }
        return out;
    }

    private String url(int i, String path) {
        NodeAddress a = addresses.get(i);
        return "http://" + a.host() + ":" + a.httpPort() + path;
    }

    /** Members of the cluster as node i reports them on /status, or -1. */
    public int members(int i) {
        String body = Http.get(url(i, "/status"), 1500);
        if (body == null) {
            return -1;
        }
        int k = body.indexOf("\"clusterMembers\":");
        if (k < 0) {
            return -1;
        }
        try {
            return Integer.parseInt(body.substring(k + 17).replaceAll("[^0-9].*$", ""));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private boolean allSeeAll() {
        for (int i = 0; i < nodes.size(); i++) {
            if (members(i) != nodes.size()) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String metrics(int i) {
        return Http.get(url(i, "/metrics"), 3000);
    }

    @Override
    public boolean steady() {
        for (int i = 0; i < nodes.size(); i++) {
            if (!nodes.get(i).isServing() || !nodes.get(i).isReady()) {
                return false;
            }
            String m = metrics(i);
            if (PrometheusText.value(m, "mqtt_cluster_members") != nodes.size()
                    || PrometheusText.value(m, "mqtt_cluster_safe") != 1.0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        List<AutoCloseable> all = new ArrayList<>();
        if (gateway != null) {
            all.add(gateway);
        }
        all.addAll(nodes);
        for (AutoCloseable c : all) {
            try {
                c.close();
            } catch (Exception ignored) {
                // keep closing the others
            }
        }
    }
}
