package io.mqttcluster.broker.testing;

import io.mqttcluster.broker.BrokerNode;
import io.mqttcluster.broker.config.BrokerConfig;
import io.mqttcluster.broker.config.ConfigLoader;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;

/**
 * N real broker nodes in this JVM, each with its own Vert.x and Hazelcast member, joined by a static
 * member list on loopback, in a cluster of their own (unique name per instance).
 */
public final class TestCluster implements AutoCloseable {

    private final List<BrokerNode> nodes = new ArrayList<>();
    private final List<Integer> clusterPorts = new ArrayList<>();
    private final List<Integer> busPorts = new ArrayList<>();
    private final String name = "it-" + UUID.randomUUID();
    private final Map<String, String> overrides;

    private TestCluster(Map<String, String> overrides) {
        this.overrides = overrides;
    }

    public static TestCluster start(int n) throws Exception {
        return start(n, Map.of());
    }

    public static TestCluster start(int n, Map<String, String> overrides) throws Exception {
        TestCluster c = new TestCluster(overrides);
        List<Integer> ports = freePorts(2 * n);
        c.clusterPorts.addAll(ports.subList(0, n));
        c.busPorts.addAll(ports.subList(n, 2 * n));
        for (int i = 0; i < n; i++) {
            c.nodes.add(c.startNode(i));
        }
        c.awaitMembers(n);
        return c;
    }

    private BrokerNode startNode(int i) throws Exception {
        Map<String, String> flags = new HashMap<>();
        flags.put("mqtt.port", "0");
        flags.put("http.port", "0");
        flags.put("mqtt.host", "127.0.0.1");
        flags.put("http.host", "127.0.0.1");
        flags.put("cluster.port", String.valueOf(clusterPorts.get(i)));
        flags.put("cluster.bus-port", String.valueOf(busPorts.get(i)));
        flags.put("cluster.members", clusterPorts.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(",")));
        flags.put("cluster.name", name);
        flags.put("cluster.size", String.valueOf(clusterPorts.size()));
        flags.put("cluster.quorum", "1");
        flags.put("node.name", "n" + (i + 1));
        flags.put("mqtt.event-loops", "2");
        flags.putAll(overrides);
        BrokerConfig config = ConfigLoader.load(flags, Map.of(), null);
        return BrokerNode.start(config);
    }

    /** Waits until every running node sees {@code n} members. */
    public void awaitMembers(int n) {
        await().atMost(60, TimeUnit.SECONDS).until(() -> nodes.stream().filter(x -> x != null)
                .allMatch(x -> x.cluster().memberCount() == n));
    }

    public BrokerNode node(int i) {
        return nodes.get(i);
    }

    public int port(int i) {
        return nodes.get(i).mqttPort();
    }

    /** The Hazelcast member port of node {@code i}. */
    public int clusterPort(int i) {
        return clusterPorts.get(i);
    }

    /** The sum of a metric's samples over every running node, scraped from /metrics (see {@link Scrape#sum}). */
    public double clusterMetric(String name, String... labels) throws Exception {
        double sum = 0;
        for (BrokerNode n : nodes) {
            if (n != null && !n.stopped()) {
                sum += Scrape.sum(Scrape.metrics(n.httpPort()), name, labels);
            }
        }
        return sum;
    }

    public int size() {
        return nodes.size();
    }

    /**
     * Ends node i the way a crash looks to the others: its Hazelcast member terminates without a graceful
     * leave and its sockets close.
     */
    public void crash(int i) throws Exception {
        BrokerNode n = nodes.get(i);
        n.cluster().hazelcast().getLifecycleService().terminate();
        n.vertx().close().await(20, TimeUnit.SECONDS);
        nodes.set(i, null);
    }

    /** Distinct free ports: all held open at once while they are picked. */
    public static List<Integer> freePorts(int count) throws IOException {
        return io.mqttcluster.cluster.Ports.pickFree(count);
    }

    @Override
    public void close() {
        for (BrokerNode n : nodes) {
            if (n != null && !n.stopped()) {
                try {
                    n.stop();
                } catch (RuntimeException e) {
                    // keep stopping the others
                }
            }
        }
    }
}
