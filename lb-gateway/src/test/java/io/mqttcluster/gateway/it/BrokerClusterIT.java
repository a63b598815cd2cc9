package io.mqttcluster.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mqttcluster.gateway.Gateway;
import io.mqttcluster.gateway.backend.MoveReason;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The gateway in front of our own broker cluster (nodes from the shaded jar as processes): clients land on
 * their hashed node from either of two gateways; the node sees the client's own address through PROXY v2;
 * a node killed with SIGKILL hands its persistent sessions over through the gateway with nothing
 * acknowledged lost; a draining node is emptied; a joining node receives the clients that hash to it.
 */
@Timeout(300)
class BrokerClusterIT {

    /**
     * Gateway options for real nodes: JVM processes answer health checks more slowly than mosquitto under a
     * loaded build, so checks are given more time and a node needs three failures in a row to go down.
     */
    static io.mqttcluster.gateway.config.GatewayOptions options(List<String> nodes) {
        return Gateways.options(nodes).setHealthInterval(Duration.ofMillis(300)).setHealthTimeout(Duration.ofSeconds(2))
                .setHealthFall(3);
    }

    static void awaitUp(Gateway g, List<String> keys) {
        await().atMost(Duration.ofSeconds(30)).until(() -> keys.stream()
                .allMatch(k -> g.nodes().get(k) != null && g.nodes().get(k).state() == io.mqttcluster.gateway.backend.NodeState.UP));
    }

    static MqttConnectOptions persistent() {
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(false);
        o.setConnectionTimeout(10);
        o.setKeepAliveInterval(30);
        o.setMaxInflight(1000);
        return o;
    }

    /** Sends a raw CONNECT through the gateway and waits for CONNACK; returns the socket (still open). */
    static Socket rawConnect(int port, String clientId) throws Exception {
        Socket s = new Socket("127.0.0.1", port);
        s.setSoTimeout(10_000);
        byte[] id = clientId.getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[10 + 2 + id.length];
        byte[] head = {0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 60};
        System.arraycopy(head, 0, body, 0, 10);
        body[10] = (byte) (id.length >> 8);
        body[11] = (byte) id.length;
        System.arraycopy(id, 0, body, 12, id.length);
        OutputStream out = s.getOutputStream();
        out.write(0x10);
        out.write(body.length);
        out.write(body);
        out.flush();
        InputStream in = s.getInputStream();
        assertThat(in.read()).isEqualTo(0x20);
        in.readNBytes(3);
        return s;
    }

    @Test
    void twoGateways_agree_clientsLandOnTheirHashedNode_andTheNodeSeesTheClientAddress_andDrainEmptiesANode() throws Exception {
        Assumptions.assumeTrue(BrokerNodes.available(), "broker-node.jar not built");
        try (BrokerNodes cluster = BrokerNodes.plan(3, true); Gateways gateways = new Gateways()) {
            cluster.startAll();
            List<String> entries = cluster.entries();
            List<String> reversed = new ArrayList<>(entries);
            java.util.Collections.reverse(reversed);
            Gateway g1 = gateways.start(options(entries).setProxyProtocol(true).setDrainRate(100));
            Gateway g2 = gateways.start(options(reversed).setProxyProtocol(true));
            awaitUp(g1, cluster.keys());
            awaitUp(g2, cluster.keys());

            List<Socket> sockets = new ArrayList<>();
            Map<String, Integer> landed = new HashMap<>();
            try {
                for (int i = 0; i < 24; i++) {
                    String id = "e2e-client-" + i;
                    Socket s = rawConnect((i % 2 == 0 ? g1 : g2).mqttPort(), id);
                    sockets.add(s);
                    String expectedKey = Clients.expected(id, cluster.keys());
                    await().atMost(Duration.ofSeconds(10)).until(() -> cluster.whereIs(id) >= 0);
                    int node = cluster.whereIs(id);
                    landed.put(id, node);
                    assertThat(cluster.nodes.get(node).key()).as("%s lands on its hashed node", id).isEqualTo(expectedKey);
                    // PROXY v2: the node sees the client's own address, not the gateway's
                    assertThat(cluster.remoteOf(node, id)).isEqualTo("127.0.0.1:" + s.getLocalPort());
                }
                assertThat(new HashSet<>(landed.values())).as("the ids spread over all nodes").hasSize(3);

                // drain the node with the most clients: the gateway moves them all away, none come back
                int drained = landed.values().stream().reduce((a, b) -> a).orElse(0);
                List<String> onDrained = landed.entrySet().stream().filter(e -> e.getValue() == drained).map(Map.Entry::getKey).toList();
                cluster.post(drained, "/admin/drain");
                await().atMost(Duration.ofSeconds(20)).until(() -> g1.metrics().movedCount(MoveReason.DRAIN)
                        + g2.metrics().movedCount(MoveReason.DRAIN) >= onDrained.size());
                for (String id : onDrained) {
                    Socket again = rawConnect(g1.mqttPort(), id);
                    sockets.add(again);
                    await().atMost(Duration.ofSeconds(10)).until(() -> cluster.whereIs(id) >= 0);
                    assertThat(cluster.whereIs(id)).as("%s no longer goes to the draining node", id).isNotEqualTo(drained);
                }
            } finally {
                for (Socket s : sockets) {
                    s.close();
                }
            }
        }
    }

    @Test
    void nodeKilled_itsPersistentClientsResumeThroughTheGateway_withEveryAcknowledgedMessage() throws Exception {
        Assumptions.assumeTrue(BrokerNodes.available(), "broker-node.jar not built");
        try (BrokerNodes cluster = BrokerNodes.plan(3, false); Gateways gateways = new Gateways()) {
            cluster.startAll();
            Gateway g = gateways.start(options(cluster.entries()));
            awaitUp(g, cluster.keys());
            String id = "e2e-device-7";
            Set<String> received = ConcurrentHashMap.newKeySet();
            MqttClient device = new MqttClient("tcp://127.0.0.1:" + g.mqttPort(), id, new MemoryPersistence());
            device.setCallback(new org.eclipse.paho.client.mqttv3.MqttCallback() {
                @Override
                public void connectionLost(Throwable cause) {
                }

                @Override
                public void messageArrived(String topic, org.eclipse.paho.client.mqttv3.MqttMessage m) {
                    received.add(new String(m.getPayload(), StandardCharsets.UTF_8));
                }

                @Override
                public void deliveryComplete(org.eclipse.paho.client.mqttv3.IMqttDeliveryToken t) {
                }
            });
            device.connect(persistent());
            device.subscribe("e2e/cmd/#", 1);
            int home = cluster.whereIs(id);
            assertThat(home).isGreaterThanOrEqualTo(0);

            long killedAt = System.nanoTime();
            cluster.kill(home);
            await().atMost(Duration.ofSeconds(30)).until(() -> !device.isConnected());

            // published (and acknowledged) through the gateway while the device is away
            List<String> acknowledged = new ArrayList<>();
            MqttConnectOptions o = new MqttConnectOptions();
            o.setCleanSession(true);
            o.setConnectionTimeout(10);
            MqttClient backend = null;
            for (int attempt = 0; attempt < 40 && backend == null; attempt++) {
                try {
                    MqttClient b = new MqttClient("tcp://127.0.0.1:" + g.mqttPort(), "e2e-backend", new MemoryPersistence());
                    b.connect(o);
                    backend = b;
                } catch (Exception e) {
                    await().pollDelay(Duration.ofMillis(250)).atMost(Duration.ofSeconds(1)).until(() -> true);
                }
            }
            assertThat(backend).isNotNull();
            for (int i = 0; i < 20; i++) {
                backend.publish("e2e/cmd/" + id, ("cmd-" + i).getBytes(StandardCharsets.UTF_8), 1, false);
                acknowledged.add("cmd-" + i);
            }

            // the device reconnects through the gateway: next node by hash, session present, all there
            boolean back = false;
            for (int attempt = 0; attempt < 40 && !back; attempt++) {
                try {
                    org.eclipse.paho.client.mqttv3.IMqttToken t = device.connectWithResult(persistent());
                    assertThat(t.getSessionPresent()).as("session present after the node died").isTrue();
                    back = true;
                } catch (org.eclipse.paho.client.mqttv3.MqttException e) {
                    await().pollDelay(Duration.ofMillis(250)).atMost(Duration.ofSeconds(1)).until(() -> true);
                }
            }
            assertThat(back).isTrue();
            await().atMost(Duration.ofSeconds(20)).until(() -> received.containsAll(acknowledged));
            long ms = (System.nanoTime() - killedAt) / 1_000_000;
            int now = cluster.whereIs(id);
            assertThat(now).isNotEqualTo(home);
            List<String> survivors = new ArrayList<>(cluster.keys());
            survivors.remove(cluster.nodes.get(home).key());
            assertThat(cluster.nodes.get(now).key()).as("its next choice by hash").isEqualTo(Clients.expected(id, survivors));
            System.out.printf("gateway failover: node killed, %d messages acknowledged meanwhile, all delivered after the "
                    + "device reconnected through the gateway; kill to all delivered %d ms%n", acknowledged.size(), ms);
            device.disconnect();
            device.close();
            backend.disconnect();
            backend.close();
        }
    }

    @Test
    void nodeJoins_rebalanceMovesTheClientsThatHashToIt() throws Exception {
        Assumptions.assumeTrue(BrokerNodes.available(), "broker-node.jar not built");
        try (BrokerNodes cluster = BrokerNodes.plan(3, false); Gateways gateways = new Gateways()) {
            cluster.start(0);
            cluster.start(1);
            Gateway g = gateways.start(options(cluster.entries()).setRebalanceEnabled(true).setRebalanceRate(100));
            awaitUp(g, cluster.keys().subList(0, 2));
            List<Socket> sockets = new ArrayList<>();
            try {
                List<String> ids = new ArrayList<>();
                for (int i = 0; i < 30; i++) {
                    ids.add("e2e-rb-" + i);
                }
                for (String id : ids) {
                    sockets.add(rawConnect(g.mqttPort(), id));
                }
                String late = cluster.nodes.get(2).key();
                List<String> movers = ids.stream().filter(id -> Clients.expected(id, cluster.keys()).equals(late)).toList();
                assertThat(movers).isNotEmpty();
                cluster.start(2);
                await().atMost(Duration.ofSeconds(30)).until(() -> g.metrics().movedCount(MoveReason.REBALANCE) >= movers.size());
                if (g.metrics().movedCount(MoveReason.NODE_DOWN) == 0) {
                    // only the clients whose hash points to the new node moved (a health flap on a loaded
                    // machine would move others back and forth, and is counted as node_down)
                    assertThat(g.metrics().movedCount(MoveReason.REBALANCE)).isEqualTo(movers.size());
                }
                for (String id : movers) {
                    sockets.add(rawConnect(g.mqttPort(), id));
                    await().atMost(Duration.ofSeconds(10)).until(() -> cluster.whereIs(id) == 2);
                }
            } finally {
                for (Socket s : sockets) {
                    s.close();
                }
            }
        }
    }
}
