package io.mqttcluster.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mqttcluster.gateway.Gateway;
import io.mqttcluster.gateway.hash.RouteReason;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Clients land on their hashed node, and two gateway replicas agree (DESIGN.md invariant 9). */
@Timeout(120)
class RoutingIT {
    private static final List<Mosquitto> brokers = new ArrayList<>();
    private static final Gateways gateways = new Gateways();
    private static final Clients clients = new Clients();
    private static List<String> keys;
    private static Gateway first;
    private static Gateway second;

    @BeforeAll
    static void setUp() throws Exception {
        Assumptions.assumeTrue(Mosquitto.available(), "mosquitto not installed");
        for (int i = 0; i < 3; i++) {
            brokers.add(Mosquitto.start());
        }
        keys = brokers.stream().map(Mosquitto::key).toList();
        clients.probeBrokers(brokers);
        first = gateways.start(Gateways.options(keys));
        // The second replica learns the nodes in another order: the answer must not change.
        second = gateways.start(Gateways.options(List.of(keys.get(2), keys.get(0), keys.get(1))));
    }

    @AfterAll
    static void tearDown() throws Exception {
        clients.close();
        gateways.close();
        for (Mosquitto m : brokers) {
            m.close();
        }
    }

    @Test
    void connect_manyClientIds_eachLandsOnItsRendezvousNode() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            ids.add("routing-" + i);
        }
        Map<String, String> landed = clients.landAll(first.mqttPort(), ids);
        for (String id : ids) {
            assertThat(landed.get(id)).as(id).isEqualTo(Clients.expected(id, keys));
        }
        assertThat(first.metrics().routedCount(RouteReason.HASHED)).isGreaterThanOrEqualTo(30);
        assertThat(first.nodes().all()).allSatisfy(n -> assertThat(n.connectionCount()).isGreaterThan(0));
    }

    @Test
    void connect_sameIdsThroughTwoGateways_sameNode() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            ids.add("both-" + i);
        }
        Map<String, String> viaFirst = clients.landAll(first.mqttPort(), ids);
        for (String id : ids) {
            clients.connected.get(id).paho().disconnect();
        }
        Map<String, String> viaSecond = clients.landAll(second.mqttPort(), ids);
        assertThat(viaSecond).isEqualTo(viaFirst);
        for (String id : ids) {
            assertThat(viaFirst.get(id)).isEqualTo(Clients.expected(id, keys));
        }
    }

    @Test
    void connect_mqtt5ClientWithPropertiesAndWillProperties_landsOnItsNode() throws Exception {
        String id = "v5-client-with-props";
        MqttClient v5 = new MqttClient("tcp://127.0.0.1:" + first.mqttPort(), id, new MemoryPersistence());
        try {
            MqttConnectionOptions o = new MqttConnectionOptions();
            o.setCleanStart(true);
            o.setSessionExpiryInterval(60L);
            o.setReceiveMaximum(10);
            o.setUserProperties(List.of(new UserProperty("k", "v")));
            MqttProperties willProps = new MqttProperties();
            willProps.setWillDelayInterval(5L);
            willProps.setContentType("text/plain");
            o.setWill("wills/" + id, new MqttMessage("bye".getBytes(StandardCharsets.UTF_8), 1, false, null));
            o.setWillMessageProperties(willProps);
            o.setUserName("someone");
            o.setPassword("not-logged".getBytes(StandardCharsets.UTF_8));
            o.setConnectionTimeout(15);
            v5.connect(o);
            v5.publish("probe/" + id, new MqttMessage(id.getBytes(StandardCharsets.UTF_8), 1, false, null));
            await().atMost(Duration.ofSeconds(15)).until(() -> clients.arrivedAt.containsKey(id));
            assertThat(clients.arrivedAt.get(id)).isEqualTo(Clients.expected(id, keys));
        } finally {
            if (v5.isConnected()) {
                v5.disconnect();
            }
            v5.close();
        }
    }

    @Test
    void connect_emptyClientId_leastLoadedNode() throws Exception {
        double before = first.metrics().routedCount(RouteReason.LEAST_LOADED_EMPTY_ID);
        org.eclipse.paho.client.mqttv3.MqttClient anon = new org.eclipse.paho.client.mqttv3.MqttClient(
                "tcp://127.0.0.1:" + first.mqttPort(), "", new org.eclipse.paho.client.mqttv3.persist.MemoryPersistence());
        try {
            anon.connect(Clients.options());
            assertThat(first.metrics().routedCount(RouteReason.LEAST_LOADED_EMPTY_ID)).isEqualTo(before + 1);
        } finally {
            anon.disconnect();
            anon.close();
        }
    }

    @Test
    void connect_mqtt5EmptyClientId_leastLoadedNode_andTheNodeAssignsTheId() throws Exception {
        // docs/gateway.md "Empty client id": routed by load, the id assigned by the node reaches the client unchanged
        double before = first.metrics().routedCount(RouteReason.LEAST_LOADED_EMPTY_ID);
        double v5Before = first.metrics().connectCount(5);
        MqttClient anon = new MqttClient("tcp://127.0.0.1:" + first.mqttPort(), "", new MemoryPersistence());
        try {
            MqttConnectionOptions o = new MqttConnectionOptions();
            o.setCleanStart(true);
            o.setConnectionTimeout(15);
            org.eclipse.paho.mqttv5.client.IMqttToken t = anon.connectWithResult(o);
            assertThat(t.getResponseProperties().getAssignedClientIdentifier()).isNotBlank();
            assertThat(first.metrics().routedCount(RouteReason.LEAST_LOADED_EMPTY_ID)).isEqualTo(before + 1);
            assertThat(first.metrics().connectCount(5)).isEqualTo(v5Before + 1);
        } finally {
            anon.disconnect();
            anon.close();
        }
    }

    @Test
    void http_endpoints_metricsHealthAndNodes() throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        String base = "http://127.0.0.1:" + first.httpPort();
        HttpResponse<String> live = http.send(HttpRequest.newBuilder(URI.create(base + "/health/live")).build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> ready = http.send(HttpRequest.newBuilder(URI.create(base + "/health/ready")).build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> nodes = http.send(HttpRequest.newBuilder(URI.create(base + "/nodes")).build(), HttpResponse.BodyHandlers.ofString());
        clients.landing(first.mqttPort(), "metrics-client");
        HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(live.statusCode()).isEqualTo(200);
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(nodes.statusCode()).isEqualTo(200);
        assertThat(nodes.body()).contains(keys.get(0), keys.get(1), keys.get(2), "\"healthy\" : true", "\"connections\"");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains(
                "gateway_connections{node=\"" + keys.get(0) + "\"}",
                "gateway_connections_accepted_total",
                "gateway_rejected_connections_total{reason=\"max_connections\"}",
                "gateway_routing_decisions_total{reason=\"hashed\"}",
                "gateway_bytes_total{direction=\"client_to_node\"}",
                "gateway_bytes_total{direction=\"node_to_client\"}",
                "gateway_node_connect_seconds_bucket",
                "gateway_healthy_nodes 3",
                "gateway_node_up{node=\"" + keys.get(1) + "\"} 1",
                "gateway_moved_connections_total{reason=\"drain\"}",
                "jvm_memory_used_bytes",
                "gateway_open_connections",
                // MQTT 5: by protocol, and the reason codes the gateway sends (Clients connects with 3.1.1)
                "gateway_connects_total{protocol=\"3.1.1\"}",
                "gateway_protocol_connections{protocol=\"3.1.1\"}",
                "gateway_protocol_connections{protocol=\"5.0\"}",
                "gateway_connacks_sent_total{reason_code=\"0x81\"}",
                "gateway_disconnects_sent_total{reason_code=\"0x8b\"}",
                "gateway_disconnects_sent_total{reason_code=\"0x9c\"}");
        assertThat(metrics.body()).doesNotContain("metrics-client");
    }
}
