package io.mqttcluster.broker.it;

import io.mqttcluster.broker.cluster.ForwardCodec;
import io.mqttcluster.broker.testing.NodeProcess;
import io.mqttcluster.broker.testing.Paho;
import io.mqttcluster.broker.testing.Scrape;
import io.mqttcluster.broker.testing.TestCluster;
import io.mqttcluster.cluster.forward.BufferDataInput;
import io.mqttcluster.cluster.forward.ClusterBus;
import io.mqttcluster.cluster.forward.ClusterBusOptions;
import io.mqttcluster.cluster.forward.PeerAuth;
import io.mqttcluster.cluster.message.Message;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * cluster.secret-file with node processes as users run them: two nodes with the same secret form a cluster and
 * forward publishes to each other; a node with another secret (same cluster name, same member list) stays out
 * of their cluster; and a bus peer with another secret, or none, that knows a node's bus address gets nothing
 * processed there: refused, counted in mqtt_cluster_bus_auth_failures_total.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ClusterSecretIT {

    static Path dir;
    static Path secret;
    static Path otherSecret;
    static final List<NodeProcess> nodes = new ArrayList<>();
    static final List<int[]> ports = new ArrayList<>();
    static List<Integer> free;
    static String members;
    static final String NAME = "secret-" + UUID.randomUUID();
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("cluster-secret-it");
        secret = Files.writeString(dir.resolve("secret"), "bm9kZXMgb2YgdGhpcyBjbHVzdGVyIHNoYXJlIGl0\n");
        otherSecret = Files.writeString(dir.resolve("other"), "YW5vdGhlciBjbHVzdGVyJ3Mgc2VjcmV0LCBub3QgdGhpcw==\n");
        free = TestCluster.freePorts(6); // Hazelcast ports 0-2, bus ports 3-5
        members = free.subList(0, 3).stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
        for (int i = 0; i < 2; i++) {
            start(i, secret);
        }
        for (int i = 0; i < 2; i++) {
            int node = i;
            await().atMost(60, TimeUnit.SECONDS).until(() -> members(node) == 2);
        }
    }

    /** Node i of three possible ones (member list of all three, quorum 2), with the given secret file. */
    static void start(int i, Path secretFile) throws Exception {
        NodeProcess p = NodeProcess.start(List.of("--mqtt-port", "0", "--http-port", "0",
                "--cluster-port", String.valueOf(free.get(i)), "--set", "cluster.bus-port=" + free.get(3 + i),
                "--cluster-members", members, "--cluster-name", NAME, "--cluster-size", "3",
                "--node-name", "s" + (i + 1), "--set", "mqtt.event-loops=1"),
                Map.of("MQTTC_CLUSTER_SECRET_FILE", secretFile.toString()));
        nodes.add(p);
        ports.add(p.awaitListening(90));
    }

    @AfterAll
    static void stop() throws Exception {
        for (NodeProcess p : nodes) {
            p.close();
        }
        if (dir != null) {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    static int members(int i) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports.get(i)[1] + "/status"))
                    .timeout(java.time.Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
            String body = r.body();
            int k = body.indexOf("\"clusterMembers\":");
            return Integer.parseInt(body.substring(k + 17).replaceAll("[^0-9].*$", ""));
        } catch (Exception e) {
            return -1;
        }
    }

    static double metric(int i, String name, String... labels) throws Exception {
        return Scrape.sum(Scrape.metrics(ports.get(i)[1]), name, labels);
    }

    @Test
    void sameSecret_crossNodePublish_delivered_noAuthFailures() throws Exception {
        try (Paho sub = Paho.connect(ports.get(0)[0], "secret-sub-1", true);
             Paho pub = Paho.connect(ports.get(1)[0], "secret-pub-1", true)) {
            sub.subscribe("secret/same/#", 1);
            pub.publish("secret/same/a", "across", 1, false);

            Paho.Received r = sub.next(20_000);
            assertThat(r).isNotNull();
            assertThat(r.payload()).isEqualTo("across");
        }
        assertThat(metric(0, "mqtt_cluster_bus_auth_failures_total") + metric(1, "mqtt_cluster_bus_auth_failures_total")).isZero();
        assertThat(nodes.get(0).allOutput()).doesNotContain("event=cluster_unauthenticated");
    }

    @Test
    void sameSecret_takeoverAcrossNodes_closesTheFirstConnection() throws Exception {
        try (Paho first = Paho.connect(ports.get(0)[0], "secret-takeover", true)) {
            try (Paho second = Paho.connect(ports.get(1)[0], "secret-takeover", true)) {
                // node 2 asks node 1 over the bus to close its connection of this client id (KICK)
                await().atMost(20, TimeUnit.SECONDS).until(() -> !first.client.isConnected());
                assertThat(second.client.isConnected()).isTrue();
            }
        }
        assertThat(nodes.get(1).allOutput()).doesNotContain("event=takeover_no_answer");
    }

    @Test
    void otherSecret_nodeStaysOut_andItsBusTrafficIsRefusedUnprocessed() throws Exception {
        start(2, otherSecret);
        // its Hazelcast start returned, so its join attempt is over: the name derived from its secret differs
        assertThat(members(2)).isEqualTo(1);
        assertThat(members(0)).isEqualTo(2);
        assertThat(members(1)).isEqualTo(2);

        try (Paho sub = Paho.connect(ports.get(0)[0], "secret-sub-2", true);
             Paho pub = Paho.connect(ports.get(1)[0], "secret-pub-2", true)) {
            sub.subscribe("secret/other/#", 1);
            double inBefore = metric(0, "mqtt_cluster_forwarded_total", "direction=\"in\"");
            double failuresBefore = metric(0, "mqtt_cluster_bus_auth_failures_total");

            // a bus peer that knows node 1's bus address, once with the other secret and once with none
            Vertx vertx = Vertx.vertx();
            try {
                for (PeerAuth auth : List.of(PeerAuth.sharedSecret(Files.readString(otherSecret).trim().getBytes(StandardCharsets.UTF_8)), PeerAuth.NONE)) {
                    ClusterBus stranger = new ClusterBus(vertx, "stranger-" + UUID.randomUUID(), new NoReceiver(),
                            new ClusterBusOptions().peerAuth(auth).deliveryTimeoutMillis(1000).reconnectDelayMillis(100));
                    try {
                        String target = "any-node-id"; // a HELLO names its receiver; refused before that is looked at
                        stranger.addPeer(target, "127.0.0.1", free.get(3));
                        Message m = new Message(1, 2, "secret/other/injected", "injected".getBytes(StandardCharsets.UTF_8), 1, false,
                                "stranger", System.currentTimeMillis(), null);
                        stranger.send(target, ForwardCodec.encodeForward(m, true, false, null, null));
                        double expected = failuresBefore + 2;
                        await().atMost(30, TimeUnit.SECONDS).until(() -> metric(0, "mqtt_cluster_bus_auth_failures_total") >= expected);
                        failuresBefore = metric(0, "mqtt_cluster_bus_auth_failures_total");
                    } finally {
                        stranger.close().await(10, TimeUnit.SECONDS);
                    }
                }
            } finally {
                vertx.close().await(10, TimeUnit.SECONDS);
            }

            // the next message the subscriber gets is the one published through the cluster, not the injected one
            pub.publish("secret/other/after", "after", 1, false);
            Paho.Received r = sub.next(20_000);
            assertThat(r).isNotNull();
            assertThat(r.payload()).isEqualTo("after");
            assertThat(metric(0, "mqtt_cluster_forwarded_total", "direction=\"in\"")).isEqualTo(inBefore + 1);
        }
        assertThat(nodes.get(0).allOutput()).contains("event=bus_auth_failed");
    }

    private static final class NoReceiver implements ClusterBus.Receiver {
        @Override
        public void onMessage(String fromNode, int kind, BufferDataInput payload) {
        }

        @Override
        public Future<Buffer> onRequest(String fromNode, int kind, BufferDataInput payload) {
            return Future.failedFuture("not a node");
        }
    }
}
