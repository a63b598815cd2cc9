package io.mqttcluster.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mqttcluster.gateway.Gateway;
import io.mqttcluster.gateway.backend.MoveReason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * MQTT 5.0 clients through the gateway in front of our own broker nodes (processes from the shaded jar), mixed with
 * MQTT 3.1.1 clients: when the gateway moves them, 5.0 clients get a DISCONNECT with the documented reason code, as
 * their client library reports it (Paho and HiveMQ), 0x8B for a drain and 0x9C for a rebalance (docs/gateway.md);
 * 3.1.1 clients get a plain close; every client reconnects through the gateway and lands on its new node.
 */
@Timeout(300)
class Mqtt5MovesIT {

    @BeforeEach
    void needsTheNodes() {
        Assumptions.assumeTrue(BrokerNodes.available(), "broker-node.jar not built");
    }

    /** A Paho 3.1.1 client through the gateway; {@code lost} is set when its connection drops. */
    private static MqttClient v311(int port, String id, AtomicBoolean lost) throws Exception {
        MqttClient c = new MqttClient("tcp://127.0.0.1:" + port, id, new MemoryPersistence());
        c.setCallback(new MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
                lost.set(true);
            }

            @Override
            public void messageArrived(String topic, MqttMessage message) {
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {
            }
        });
        c.connect(Clients.options());
        return c;
    }

    private static V5Clients.Ended endedOf(V5Clients.Client c) throws Exception {
        return c.ended().get(30, TimeUnit.SECONDS);
    }

    @Test
    void drain_mqtt5ClientsGetServerShuttingDown_mqtt311ClientsAPlainClose_allReconnectToTheOtherNode() throws Exception {
        try (BrokerNodes cluster = BrokerNodes.plan(2, false); Gateways gateways = new Gateways();
                V5Clients v5 = new V5Clients()) {
            cluster.startAll();
            Gateway g = gateways.start(BrokerClusterIT.options(cluster.entries()).setDrainRate(100));
            BrokerClusterIT.awaitUp(g, cluster.keys());
            List<String> keys = cluster.keys();
            int port = g.mqttPort();

            List<V5Clients.Client> drained = new ArrayList<>();
            for (String id : Clients.idsHashingTo(keys.get(0), keys, "v5-drain-paho-", 3)) {
                drained.add(v5.paho(port, id));
            }
            for (String id : Clients.idsHashingTo(keys.get(0), keys, "v5-drain-hivemq-", 2)) {
                drained.add(v5.hivemq(port, id));
            }
            V5Clients.Client staying = v5.paho(port, Clients.idHashingTo(keys.get(1), keys, "v5-stay-"));
            List<MqttClient> old = new ArrayList<>();
            List<AtomicBoolean> oldLost = new ArrayList<>();
            for (String id : Clients.idsHashingTo(keys.get(0), keys, "v311-drain-", 2)) {
                AtomicBoolean lost = new AtomicBoolean();
                old.add(v311(port, id, lost));
                oldLost.add(lost);
            }
            try {
                for (V5Clients.Client c : drained) {
                    await().atMost(Duration.ofSeconds(10)).until(() -> cluster.whereIs(c.id()) == 0);
                }
                assertThat(g.metrics().splicedCount(5)).isEqualTo(drained.size() + 1);
                assertThat(g.metrics().splicedCount(4)).isEqualTo(old.size());

                cluster.post(0, "/admin/drain");

                for (V5Clients.Client c : drained) {
                    V5Clients.Ended e = endedOf(c);
                    assertThat(e.reasonCode()).as("%s (%s): DISCONNECT reason code", c.id(), c.library()).isEqualTo(0x8B);
                    assertThat(e.reasonString()).as(c.id()).contains("drain");
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> oldLost.stream().allMatch(AtomicBoolean::get));
                assertThat(staying.ended()).as("a client of the other node stays").isNotDone();
                assertThat(g.metrics().disconnectsSentCount(0x8B)).isEqualTo(drained.size());
                assertThat(g.metrics().movedCount(MoveReason.DRAIN)).isEqualTo(drained.size() + old.size());

                // every client comes back through the same address and lands on the node that is not draining
                for (V5Clients.Client c : drained) {
                    V5Clients.Client again = c.library().equals("paho") ? v5.paho(port, c.id()) : v5.hivemq(port, c.id());
                    await().atMost(Duration.ofSeconds(10)).until(() -> cluster.whereIs(again.id()) == 1);
                }
                for (MqttClient c : old) {
                    c.connect(Clients.options());
                    await().atMost(Duration.ofSeconds(10)).until(() -> cluster.whereIs(c.getClientId()) == 1);
                }
            } finally {
                for (MqttClient c : old) {
                    if (c.isConnected()) {
                        c.disconnectForcibly(0, 1000, false);
                    }
                    c.close(true);
                }
            }
        }
    }

    @Test
    void rebalance_mqtt5ClientsWhoseIdNowHashesToTheJoinedNodeGetUseAnotherServer_andLandThere() throws Exception {
        try (BrokerNodes cluster = BrokerNodes.plan(3, false); Gateways gateways = new Gateways();
                V5Clients v5 = new V5Clients()) {
            cluster.start(0);
            cluster.start(1);
            Gateway g = gateways.start(BrokerClusterIT.options(cluster.entries()).setRebalanceEnabled(true)
                    .setRebalanceRate(100));
            BrokerClusterIT.awaitUp(g, cluster.keys().subList(0, 2));
            List<String> keys = cluster.keys();
            String late = keys.get(2);
            int port = g.mqttPort();

            List<V5Clients.Client> movers = new ArrayList<>();
            for (String id : Clients.idsHashingTo(late, keys, "v5-rb-hivemq-", 2)) {
                movers.add(v5.hivemq(port, id));
            }
            for (String id : Clients.idsHashingTo(late, keys, "v5-rb-paho-", 2)) {
                movers.add(v5.paho(port, id));
            }
            List<V5Clients.Client> stayers = new ArrayList<>();
            for (String id : Clients.idsHashingTo(keys.get(0), keys, "v5-rb-stay-", 2)) {
                stayers.add(v5.hivemq(port, id));
            }
            for (V5Clients.Client c : movers) {
                await().atMost(Duration.ofSeconds(10)).until(() -> cluster.whereIs(c.id()) >= 0);
                assertThat(cluster.whereIs(c.id())).as("before the join").isNotEqualTo(2);
            }

            cluster.start(2);

            for (V5Clients.Client c : movers) {
                V5Clients.Ended e = endedOf(c);
                assertThat(e.reasonCode()).as("%s (%s): DISCONNECT reason code", c.id(), c.library()).isEqualTo(0x9C);
                assertThat(e.reasonString()).as(c.id()).contains("rebalance");
            }
            if (g.metrics().movedCount(MoveReason.NODE_DOWN) == 0) {
                // (a health flap on a loaded machine would move others too, counted as node_down)
                assertThat(g.metrics().disconnectsSentCount(0x9C)).isEqualTo(movers.size());
                for (V5Clients.Client c : stayers) {
                    assertThat(c.ended()).as(c.id() + " stays").isNotDone();
                }
            }
            for (V5Clients.Client c : movers) {
                V5Clients.Client again = c.library().equals("paho") ? v5.paho(port, c.id()) : v5.hivemq(port, c.id());
                await().atMost(Duration.ofSeconds(10)).until(() -> cluster.whereIs(again.id()) == 2);
            }
        }
    }
}
