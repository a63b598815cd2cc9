package io.mqttcluster.broker.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;

/** N broker nodes as separate {@code java -jar} processes on loopback, joined into one cluster. */
public final class ProcessCluster implements AutoCloseable {

    public final List<NodeProcess> nodes = new ArrayList<>();
    public final List<int[]> ports = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();

    public static ProcessCluster start(int n, Map<String, String> extra) throws Exception {
        ProcessCluster c = new ProcessCluster();
        List<Integer> free = TestCluster.freePorts(2 * n);
        String members = free.subList(0, n).stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
        String name = "proc-" + UUID.randomUUID();
        try {
            for (int i = 0; i < n; i++) {
                List<String> args = new ArrayList<>(List.of("--mqtt-port", "0", "--http-port", "0",
                        "--cluster-port", String.valueOf(free.get(i)), "--set", "cluster.bus-port=" + free.get(n + i),
                        "--cluster-members", members, "--cluster-name", name, "--cluster-size", String.valueOf(n),
                        "--node-name", "p" + (i + 1), "--set", "mqtt.event-loops=1"));
                extra.forEach((k, v) -> args.addAll(List.of("--set", k + "=" + v)));
                NodeProcess p = NodeProcess.start(args, Map.of());
                c.nodes.add(p);
                c.ports.add(p.awaitListening(90));
            }
            for (int i = 0; i < n; i++) {
                int node = i;
                await().atMost(60, TimeUnit.SECONDS).until(() -> c.members(node) == n);
            }
        } catch (Exception | Error e) {
            c.close();
            throw e;
        }
        return c;
    }

    public int mqttPort(int i) {
        return ports.get(i)[0];
    }

    public int httpPort(int i) {
        return ports.get(i)[1];
    }

    /** Cluster members as node i reports them on /status. */
    public int members(int i) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort(i) + "/status"))
                    .timeout(java.time.Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
            String body = r.body();
            int k = body.indexOf("\"clusterMembers\":");
            return Integer.parseInt(body.substring(k + 17).replaceAll("[^0-9].*$", ""));
        } catch (Exception e) {
            return -1;
        }
    }

    /**
     * The sum of a Prometheus metric's samples on node i whose labels contain every given {@code key="value"}
     * (e.g. {@code map="mqtt.sessions"}); 0 when there is none.
     */
    public double metric(int i, String name, String... labels) throws Exception {
        return Scrape.sum(metrics(i), name, labels);
    }

    /** The same, summed over every running node. */
    public double clusterMetric(String name, String... labels) throws Exception {
        double sum = 0;
        for (int i = 0; i < nodes.size(); i++) {
            if (nodes.get(i).process.isAlive()) {
                sum += metric(i, name, labels);
            }
        }
        return sum;
    }

    public String metrics(int i) throws Exception {
        return Scrape.metrics(httpPort(i));
    }

    @Override
    public void close() throws Exception {
        for (NodeProcess p : nodes) {
            p.close();
        }
    }
}
