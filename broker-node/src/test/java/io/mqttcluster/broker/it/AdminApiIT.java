package io.mqttcluster.broker.it;

import io.mqttcluster.broker.testing.OpenApiDoc;
import io.mqttcluster.broker.testing.Paho;
import io.mqttcluster.broker.testing.Paho5;
import io.mqttcluster.broker.testing.ProcessCluster;
import io.mqttcluster.broker.testing.RawClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The cluster-wide admin API (docs/admin-api.md) on three node processes, asked from a node other than the one
 * holding the client: search, detail, kick (MQTT 5: DISCONNECT 0x98, will published), queue depth of an offline
 * session, delete, subscriptions and retained messages paged, cluster status, drain/undrain of another node, rights
 * and bad parameters, and a walk over 10,000 sessions. One cluster for the whole class.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class AdminApiIT {

    static final String TOKEN = "admin-api-it-token-0123456789";
    static final String GRAFANA = "http://grafana.example/d/mqtt";
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static ProcessCluster cluster;
    static Path tokenFile;

    @BeforeAll
    static void start() throws Exception {
        tokenFile = Files.createTempFile("admin-token", ".txt");
        Files.writeString(tokenFile, TOKEN);
        cluster = ProcessCluster.start(3, Map.of("http.admin-token-file", tokenFile.toString(), "http.grafana-url", GRAFANA));
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
        Files.deleteIfExists(tokenFile);
    }

    // ------------------------------------------------------------------------------------------ helpers

    static HttpResponse<String> call(int node, String method, String path, boolean withToken) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cluster.httpPort(node) + path))
                .timeout(Duration.ofSeconds(15)).method(method, HttpRequest.BodyPublishers.noBody());
        if (withToken) {
            b.header("Authorization", "Bearer " + TOKEN);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> call(int node, String method, String path) throws Exception {
        return call(node, method, path, true);
    }

    /** A call that must answer 200; its JSON. */
    static JsonObject ok(int node, String method, String path) throws Exception {
        HttpResponse<String> r = call(node, method, path);
        assertThat(r.statusCode()).as(method + " " + path + ": " + r.body()).isEqualTo(200);
        return new JsonObject(r.body());
    }

    static JsonObject get(int node, String path) throws Exception {
        return ok(node, "GET", path);
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** Every item of a list call, walking its pages. */
    static List<JsonObject> walk(int node, String pathWithQuery, int limit) throws Exception {
        List<JsonObject> all = new ArrayList<>();
        String after = null;
        String sep = pathWithQuery.contains("?") ? "&" : "?";
        do {
            JsonObject page = get(node, pathWithQuery + sep + "limit=" + limit + (after == null ? "" : "&after=" + enc(after)));
            JsonArray items = page.getJsonArray("items");
            assertThat(items.size()).isLessThanOrEqualTo(limit);
            items.forEach(o -> all.add((JsonObject) o));
            after = page.getString("next");
        } while (after != null);
        return all;
    }

    // ------------------------------------------------------------------------------------------ clients

    @Test
    void clientOnNode1_isFoundShownAndKickedFromNode3_mqtt5SeesAdministrativeAction_andTheWillIsPublished() throws Exception {
        try (Paho willWatcher = Paho.connect(cluster.mqttPort(1), "will-watcher", true);
             Paho5 truck = Paho5.connect(cluster.mqttPort(0), "truck-4711", o -> {
                 o.setUserName("alice");
                 o.setCleanStart(false);
                 o.setSessionExpiryInterval(3600L);
                 o.setKeepAliveInterval(45);
                 o.setWill("wills/truck-4711", new MqttMessage("gone".getBytes(StandardCharsets.UTF_8), 1, false, new MqttProperties()));
             })) {
            willWatcher.client.subscribe("wills/#", 1);
            MqttSubscription sub = new MqttSubscription("fleet/+/pos", 1);
            sub.setNoLocal(true);
            sub.setRetainHandling(2);
            truck.subscribe(sub, 7);

            JsonObject found = get(2, "/api/v1/clients?prefix=truck-47");
            assertThat(found.getJsonArray("items")).hasSize(1);
            JsonObject item = found.getJsonArray("items").getJsonObject(0);
            assertThat(item.getString("clientId")).isEqualTo("truck-4711");
            assertThat(item.getString("node")).isEqualTo("p1");
            assertThat(item.getBoolean("connected")).isTrue();
            assertThat(item.getInteger("protocolVersion")).isEqualTo(5);
            assertThat(item.getString("user")).isEqualTo("alice");
            assertThat(item.getString("connectedAt")).isNotNull();
            assertThat(get(2, "/api/v1/clients?user=alice&node=p1&state=connected").getJsonArray("items")).hasSize(1);
            assertThat(get(2, "/api/v1/clients?prefix=truck-47&state=offline").getJsonArray("items")).isEmpty();

            JsonObject detail = get(2, "/api/v1/clients/truck-4711");
            assertThat(detail.getString("node")).isEqualTo("p1");
            assertThat(detail.getString("user")).isEqualTo("alice");
            assertThat(detail.getInteger("keepAliveSeconds")).isEqualTo(45);
            assertThat(detail.getString("remote")).startsWith("127.0.0.1:");
            assertThat(detail.getString("connectedAt")).isNotNull();
            assertThat(detail.getLong("sessionExpirySeconds")).isEqualTo(3600L);
            assertThat(detail.getInteger("inflight")).as("the owner answered").isEqualTo(0);
            assertThat(detail.getJsonObject("will").getString("topic")).isEqualTo("wills/truck-4711");
            assertThat(detail.getJsonArray("subscriptions")).hasSize(1);
            JsonObject s = detail.getJsonArray("subscriptions").getJsonObject(0);
            assertThat(s.getString("filter")).isEqualTo("fleet/+/pos");
            assertThat(s.getInteger("qos")).isEqualTo(1);
            assertThat(s.getBoolean("noLocal")).isTrue();
            assertThat(s.getInteger("retainHandling")).isEqualTo(2);
            assertThat(s.getInteger("subscriptionId")).isEqualTo(7);

            JsonObject kicked = ok(2, "POST", "/api/v1/clients/truck-4711/kick");
            assertThat(kicked.getBoolean("kicked")).isTrue();
            assertThat(kicked.getString("node")).isEqualTo("p1");
            MqttDisconnectResponse d = truck.disconnected.get(10, TimeUnit.SECONDS);
            assertThat(d.getReturnCode()).isEqualTo(0x98);
            Paho.Received will = willWatcher.received.poll(10, TimeUnit.SECONDS);
            assertThat(will).isNotNull();
            assertThat(will.payload()).isEqualTo("gone");

            JsonObject after = get(2, "/api/v1/clients/truck-4711");
            assertThat(after.getBoolean("connected")).as("a persistent session stays").isFalse();
            assertThat(after.getValue("inflight")).isNull();
            assertThat(call(2, "POST", "/api/v1/clients/truck-4711/kick").statusCode()).isEqualTo(404);
        }
    }

    @Test
    void mqtt311ClientKickedFromAnotherNode_losesItsConnection() throws Exception {
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(true);
        o.setAutomaticReconnect(false);
        try (Paho old = Paho.connect("127.0.0.1", cluster.mqttPort(1), "meter-311", o)) {
            assertThat(ok(0, "POST", "/api/v1/clients/meter-311/kick").getString("node")).isEqualTo("p2");
            await().atMost(10, TimeUnit.SECONDS).until(() -> old.lost != null);
            assertThat(call(0, "GET", "/api/v1/clients/meter-311").statusCode()).as("a clean session ends").isEqualTo(404);
        }
    }

    @Test
    void offlinePersistentSession_showsItsQueue_andDeleteRemovesItClusterWide() throws Exception {
        try (RawClient c = new RawClient(cluster.mqttPort(0))) {
            c.send(RawClient.connect("queue-1", false, 60)).readUntil(RawClient.CONNACK);
            c.send(RawClient.subscribe(1, "q/1", 1)).readUntil(RawClient.SUBACK);
            c.send(RawClient.disconnect());
        }
        await().atMost(10, TimeUnit.SECONDS).until(() -> !get(2, "/api/v1/clients/queue-1").getBoolean("connected"));
        try (Paho pub = Paho.connect(cluster.mqttPort(1), "queue-publisher", true)) {
            for (int i = 0; i < 5; i++) {
                pub.client.publish("q/1", ("m" + i).getBytes(StandardCharsets.UTF_8), 1, false);
            }
        }
        JsonObject detail = get(2, "/api/v1/clients/queue-1");
        assertThat(detail.getInteger("queued")).isEqualTo(5);
        assertThat(detail.getBoolean("persistent")).isTrue();
        assertThat(detail.getString("expiresAt")).isNotNull();
        JsonObject listed = get(2, "/api/v1/clients?prefix=queue-&state=offline").getJsonArray("items").getJsonObject(0);
        assertThat(listed.getInteger("queued")).isEqualTo(5);
        assertThat(listed.getInteger("subscriptions")).isEqualTo(1);
        assertThat(get(2, "/api/v1/subscriptions?clientId=queue-1").getJsonArray("items")).hasSize(1);

        assertThat(ok(1, "DELETE", "/api/v1/sessions/queue-1").getBoolean("deleted")).isTrue();
        assertThat(call(2, "GET", "/api/v1/clients/queue-1").statusCode()).isEqualTo(404);
        assertThat(call(2, "DELETE", "/api/v1/sessions/queue-1").statusCode()).isEqualTo(404);
        for (int n = 0; n < 3; n++) {
            int node = n;
            await().atMost(10, TimeUnit.SECONDS).until(() ->
                    get(node, "/api/v1/subscriptions?clientId=queue-1").getJsonArray("items").isEmpty());
        }
        try (RawClient c = new RawClient(cluster.mqttPort(2))) {
            RawClient.Packet connack = c.send(RawClient.connect("queue-1", false, 60)).readUntil(RawClient.CONNACK);
            assertThat(connack.body()[0] & 1).as("session present").isZero();
            c.send(RawClient.disconnect());
        }
    }

    @Test
    void deleteOfAConnectedClient_closesItWithAdministrativeActionAndRemovesTheSession() throws Exception {
        try (Paho5 p = Paho5.connect(cluster.mqttPort(1), "doomed-5", o -> o.setSessionExpiryInterval(600L))) {
            p.subscribe("doomed/#", 1, 0);
            assertThat(ok(0, "DELETE", "/api/v1/sessions/doomed-5").getBoolean("deleted")).isTrue();
            assertThat(p.disconnected.get(10, TimeUnit.SECONDS).getReturnCode()).isEqualTo(0x98);
            assertThat(call(2, "GET", "/api/v1/clients/doomed-5").statusCode()).isEqualTo(404);
        }
    }

    // ------------------------------------------------------------------------------------------ tables

    @Test
    void retainedMessages_arePagedByTopicWithSizePreviewAndExpiry() throws Exception {
        try (Paho5 pub = Paho5.connect(cluster.mqttPort(0), "retainer", o -> { })) {
            for (int i = 0; i < 23; i++) {
                pub.publish(String.format("ret/%02d", i), ("value " + i).getBytes(StandardCharsets.UTF_8), 1, true, null);
            }
            byte[] big = new byte[300];
            big[0] = (byte) 0xFF;
            pub.publish("ret/binary", big, 1, true, null);
            MqttProperties expiring = new MqttProperties();
            expiring.setMessageExpiryInterval(3600L);
            expiring.setContentType("text/plain");
            pub.publish("ret/expiring", "soon".getBytes(StandardCharsets.UTF_8), 1, true, expiring);
        }
        await().atMost(10, TimeUnit.SECONDS).until(() -> walk(2, "/api/v1/retained?filter=" + enc("ret/#"), 10).size() == 25);
        List<JsonObject> all = walk(2, "/api/v1/retained?filter=" + enc("ret/#"), 10);
        List<String> topics = all.stream().map(j -> j.getString("topic")).toList();
        assertThat(topics).isSorted().doesNotHaveDuplicates();
        JsonObject first = all.get(0);
        assertThat(first.getString("topic")).isEqualTo("ret/00");
        assertThat(first.getString("preview")).isEqualTo("value 0");
        assertThat(first.getInteger("payloadBytes")).isEqualTo(7);
        JsonObject binary = all.stream().filter(j -> j.getString("topic").equals("ret/binary")).findFirst().orElseThrow();
        assertThat(binary.getInteger("payloadBytes")).isEqualTo(300);
        assertThat(binary.getValue("preview")).isNull();
        assertThat(java.util.Base64.getDecoder().decode(binary.getString("previewBase64"))).hasSize(64);
        JsonObject expiring = all.stream().filter(j -> j.getString("topic").equals("ret/expiring")).findFirst().orElseThrow();
        assertThat(expiring.getString("expiresAt")).isNotNull();
        assertThat(expiring.getString("contentType")).isEqualTo("text/plain");
        assertThat(get(2, "/api/v1/retained?filter=" + enc("ret/+") + "&limit=1000").getJsonArray("items")).hasSize(25);
        assertThat(get(2, "/api/v1/retained?filter=" + enc("other/#")).getJsonArray("items")).isEmpty();
    }

    @Test
    void subscriptionsOfOneFilter_arePagedAcrossNodes_connectedWithTheirNode() throws Exception {
        List<Paho> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 12; i++) {
                Paho p = Paho.connect(cluster.mqttPort(i % 3), String.format("watch-%02d", i), true);
                p.client.subscribe("watched/topic", i % 2);
                clients.add(p);
            }
            try (RawClient offline = new RawClient(cluster.mqttPort(0))) {
                offline.send(RawClient.connect("watch-offline", false, 60)).readUntil(RawClient.CONNACK);
                offline.send(RawClient.subscribe(1, "watched/topic", 1)).readUntil(RawClient.SUBACK);
                offline.send(RawClient.disconnect());
            }
            await().atMost(10, TimeUnit.SECONDS).until(() -> walk(2, "/api/v1/subscriptions?filter=" + enc("watched/topic"), 5).size() == 13);
            List<JsonObject> all = walk(2, "/api/v1/subscriptions?filter=" + enc("watched/topic"), 5);
            assertThat(all).extracting(j -> j.getString("clientId")).isSorted().doesNotHaveDuplicates();
            JsonObject clean = get(2, "/api/v1/clients?prefix=watch-00").getJsonArray("items").getJsonObject(0);
            assertThat(clean.getBoolean("persistent")).isFalse();
            assertThat(clean.getInteger("subscriptions")).as("a clean session's count comes from its node").isEqualTo(1);
            for (JsonObject j : all) {
                if (j.getString("clientId").equals("watch-offline")) {
                    assertThat(j.getValue("node")).isNull();
                } else {
                    int i = Integer.parseInt(j.getString("clientId").substring(6));
                    assertThat(j.getString("node")).isEqualTo("p" + (i % 3 + 1));
                    assertThat(j.getInteger("qos")).isEqualTo(i % 2);
                }
            }
        } finally {
            for (Paho p : clients) {
                p.close();
            }
            call(0, "DELETE", "/api/v1/sessions/watch-offline");
        }
    }

    // ------------------------------------------------------------------------------------------ cluster

    @Test
    void clusterStatus_showsEveryMember_andNode1DrainsAndUndrainsNode2() throws Exception {
        JsonObject c = get(0, "/api/v1/cluster");
        assertThat(c.getString("self")).isEqualTo("p1");
        JsonArray members = c.getJsonArray("members");
        assertThat(members).hasSize(3);
        for (Object o : members) {
            JsonObject m = (JsonObject) o;
            assertThat(m.getBoolean("reachable")).isTrue();
            assertThat(m.getBoolean("self")).isEqualTo(m.getString("name").equals("p1"));
            assertThat(m.getLong("connections")).isNotNull();
        }
        assertThat(c.getJsonObject("quorum").getBoolean("ok")).isTrue();
        assertThat(c.getJsonObject("quorum").getInteger("members")).isEqualTo(3);
        assertThat(c.getValue("partitionsSafe")).isInstanceOf(Boolean.class);
        assertThat(c.getJsonObject("sessions").getLong("total")).isNotNull();
        assertThat(c.getString("grafanaUrl")).isEqualTo(GRAFANA);

        assertThat(ok(0, "POST", "/api/v1/nodes/p2/drain").getBoolean("draining")).isTrue();
        try {
            assertThat(ready(1)).isEqualTo(503);
            JsonObject p2 = get(2, "/api/v1/cluster").getJsonArray("members").stream().map(JsonObject.class::cast)
                    .filter(m -> m.getString("name").equals("p2")).findFirst().orElseThrow();
            assertThat(p2.getBoolean("draining")).isTrue();
            assertThat(p2.getBoolean("ready")).isFalse();
        } finally {
            assertThat(ok(0, "POST", "/api/v1/nodes/p2/undrain").getBoolean("draining")).isFalse();
        }
        assertThat(ready(1)).isEqualTo(200);
        assertThat(call(0, "POST", "/api/v1/nodes/nobody/drain").statusCode()).isEqualTo(404);
    }

    static int ready(int node) throws Exception {
        return call(node, "GET", "/health/ready", false).statusCode();
    }

    @Test
    void rightsAndBadParameters_areRefusedWithAClearAnswer() throws Exception {
        assertThat(call(0, "GET", "/api/v1/clients", false).statusCode()).isEqualTo(401);
        assertThat(call(0, "POST", "/api/v1/nodes/p2/drain", false).statusCode()).isEqualTo(401);
        assertThat(call(0, "GET", "/api/v1/clients").statusCode()).isEqualTo(200);
        assertThat(call(0, "GET", "/api/v1/clients/x/kick").statusCode()).isEqualTo(405);
        assertThat(call(0, "POST", "/api/v1/cluster").statusCode()).isEqualTo(405);
        assertThat(call(0, "GET", "/api/v1/nothing-here").statusCode()).isEqualTo(404);
        for (String bad : List.of("/api/v1/clients?limit=0", "/api/v1/clients?limit=1001", "/api/v1/clients?limit=ten",
                "/api/v1/clients?state=asleep", "/api/v1/clients?node=nobody", "/api/v1/retained?filter=" + enc("a/#/b"),
                "/api/v1/subscriptions?after=" + enc("not base64!"), "/api/v1/clients?limit=5&limit=6")) {
            HttpResponse<String> r = call(0, "GET", bad);
            assertThat(r.statusCode()).as(bad).isEqualTo(400);
            assertThat(new JsonObject(r.body()).getString("error")).as(bad).isNotBlank();
        }
    }

    // ------------------------------------------------------------------------------------------ contract

    @Test
    void everyDocumentedCallIsServed_andBodiesCarryExactlyTheDocumentedFields() throws Exception {
        OpenApiDoc doc = OpenApiDoc.load();
        for (String op : doc.operations()) {
            String method = op.substring(0, op.indexOf(' '));
            String path = op.substring(op.indexOf(' ') + 1).replace("{clientId}", "no-such-client").replace("{name}", "no-such-node");
            HttpResponse<String> r = call(1, method, path);
            assertThat(r.statusCode()).as(op).isNotIn(405, 500);
            if (r.statusCode() == 404) {
                assertThat(new JsonObject(r.body()).getString("error")).as(op + " is served").doesNotStartWith("no such call");
            }
        }
        try (Paho5 c = Paho5.connect(cluster.mqttPort(0), "contract-1", o -> o.setUserName("carol"))) {
            c.subscribe("contract/#", 1, 0);
            c.publish("contract/r", "x".getBytes(StandardCharsets.UTF_8), 1, true, null);
            JsonObject cl = get(1, "/api/v1/cluster");
            assertThat(cl.fieldNames()).containsExactlyInAnyOrderElementsOf(doc.properties("Cluster"));
            assertThat(cl.fieldNames()).containsAll(doc.required("Cluster"));
            assertThat(cl.getJsonArray("members").getJsonObject(0).fieldNames()).containsExactlyInAnyOrderElementsOf(doc.required("Member"));
            JsonObject item = get(1, "/api/v1/clients?prefix=contract-").getJsonArray("items").getJsonObject(0);
            assertThat(item.fieldNames()).containsExactlyInAnyOrderElementsOf(doc.required("ClientSummary"));
            JsonObject detail = get(1, "/api/v1/clients/contract-1");
            assertThat(detail.fieldNames()).containsExactlyInAnyOrderElementsOf(doc.required("ClientDetail"));
            assertThat(detail.getJsonArray("subscriptions").getJsonObject(0).fieldNames())
                    .containsExactlyInAnyOrderElementsOf(doc.required("SubscriptionOptions"));
            await().atMost(10, TimeUnit.SECONDS).until(() ->
                    !get(1, "/api/v1/retained?filter=" + enc("contract/#")).getJsonArray("items").isEmpty());
            assertThat(get(1, "/api/v1/retained?filter=" + enc("contract/#")).getJsonArray("items").getJsonObject(0).fieldNames())
                    .containsExactlyInAnyOrderElementsOf(doc.required("Retained"));
            assertThat(get(1, "/api/v1/subscriptions?clientId=contract-1").getJsonArray("items").getJsonObject(0).fieldNames())
                    .containsExactlyInAnyOrderElementsOf(doc.required("Subscription"));
        }
    }

    // ------------------------------------------------------------------------------------------ scale

    @Test
    void tenThousandSessions_walkedWithLimit500_eachSeenOnceInOrder() throws Exception {
        int total = 10_000;
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(12);
        long t0 = System.nanoTime();
        try {
            List<Future<?>> work = new ArrayList<>();
            for (int t = 0; t < 12; t++) {
                int node = t % 3;
                work.add(pool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < total; i = next.getAndIncrement()) {
                        try (RawClient c = new RawClient(cluster.mqttPort(node))) {
                            c.send(RawClient.connect(String.format("bulk-%05d", i), false, 60)).readUntil(RawClient.CONNACK);
                            c.send(RawClient.disconnect());
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : work) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        System.out.println("admin_bulk_sessions=" + total + " created_ms=" + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));

        long w0 = System.nanoTime();
        List<JsonObject> all = walk(2, "/api/v1/clients?prefix=bulk-", 500);
        long walkMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - w0);
        List<String> ids = all.stream().map(j -> j.getString("clientId")).toList();
        Set<String> distinct = new HashSet<>(ids);
        assertThat(distinct).hasSize(total);
        assertThat(ids).hasSize(total).isSorted();
        assertThat(ids.get(0)).isEqualTo("bulk-00000");
        assertThat(ids.get(total - 1)).isEqualTo(String.format("bulk-%05d", total - 1));

        long p0 = System.nanoTime();
        JsonObject prefixed = get(1, "/api/v1/clients?prefix=bulk-0123&limit=100");
        long prefixMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - p0);
        assertThat(prefixed.getJsonArray("items")).hasSize(10);
        long f0 = System.nanoTime();
        JsonObject page = get(1, "/api/v1/clients?prefix=bulk-&limit=500&after=bulk-04999");
        long pageMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - f0);
        assertThat(page.getJsonArray("items")).hasSize(500);
        assertThat(page.getJsonArray("items").getJsonObject(0).getString("clientId")).isEqualTo("bulk-05000");
        System.out.println("admin_search_latency_ms prefix_search=" + prefixMs + " full_page_500=" + pageMs
                + " walk_20_pages=" + walkMs + " sessions=" + total);
    }
}
