package io.mqttcluster.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mqttcluster.gateway.Gateway;
import io.mqttcluster.gateway.backend.MoveReason;
import io.mqttcluster.gateway.backend.NodeState;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A node whose health says "not ready" gets no new clients, and its clients are moved at the drain rate. */
@Timeout(120)
class DrainIT {
    private static final double DRAIN_RATE = 10;
    private final List<Mosquitto> brokers = new ArrayList<>();
    private final List<HealthServer> health = new ArrayList<>();
    private final Gateways gateways = new Gateways();
    private final Clients clients = new Clients();
    private Vertx vertx;
    private Gateway gateway;
    private List<String> keys;

    @BeforeEach
    void setUp() throws Exception {
        Assumptions.assumeTrue(Mosquitto.available(), "mosquitto not installed");
        vertx = Vertx.vertx();
        List<String> nodes = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Mosquitto m = Mosquitto.start();
            HealthServer h = new HealthServer(vertx);
            brokers.add(m);
            health.add(h);
            nodes.add(m.key() + ":" + h.port());
        }
        keys = brokers.stream().map(Mosquitto::key).toList();
        clients.probeBrokers(brokers);
        gateway = gateways.start(Gateways.options(nodes).setDrainRate(DRAIN_RATE));
    }

    @AfterEach
    void tearDown() throws Exception {
        clients.close();
        gateways.close();
        for (Mosquitto m : brokers) {
            m.close();
        }
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void nodeNotReady_existingClientsMovedAtDrainRateAndNewOnesGoElsewhere() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            ids.add("drain-" + i);
        }
        Map<String, String> before = clients.landAll(gateway.mqttPort(), ids);
        String drained = keys.get(0);
        List<String> onDrained = ids.stream().filter(id -> before.get(id).equals(drained)).toList();
        assertThat(onDrained).hasSizeGreaterThan(5);

        long start = System.nanoTime();
        health.get(0).notReady();

        await().atMost(Duration.ofSeconds(10)).until(() -> gateway.nodes().get(drained).state() == NodeState.DRAINING);
        // A new client whose hash points to the draining node goes to the other one.
        String newcomerId = Clients.idHashingTo(drained, keys, "newcomer-");
        assertThat(clients.landing(gateway.mqttPort(), newcomerId)).isEqualTo(keys.get(1));

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            for (String id : onDrained) {
                assertThat(clients.connected.get(id).lost()).as(id).isTrue();
            }
        });
        double seconds = (System.nanoTime() - start) / 1e9;
        // Rate-limited: n clients at 10/s cannot all be gone in less than about (n - 1) / 10 s.
        assertThat(seconds).isGreaterThanOrEqualTo((onDrained.size() - 2) / DRAIN_RATE);
        assertThat(gateway.metrics().movedCount(MoveReason.DRAIN)).isEqualTo(onDrained.size());
        assertThat(ids.stream().filter(id -> !onDrained.contains(id)).map(id -> clients.connected.get(id).lost().get()))
                .containsOnly(false);

        Map<String, String> after = clients.landAll(gateway.mqttPort(), onDrained);
        assertThat(after.values()).containsOnly(keys.get(1));
    }

    @Test
    void drainedClientsWithWills_movedWithoutPublishingTheirWills() throws Exception {
        // A watcher on the draining broker itself sees every will it publishes.
        Mosquitto drainedBroker = brokers.get(0);
        List<String> wills = new java.util.concurrent.CopyOnWriteArrayList<>();
        MqttClient watcher = new MqttClient("tcp://127.0.0.1:" + drainedBroker.port(), "will-watcher", new MemoryPersistence());
        watcher.connect(Clients.options());
        watcher.subscribe("will/#", 1, (topic, msg) -> wills.add(topic));
        List<MqttClient> devices = new ArrayList<>();
        java.util.concurrent.atomic.AtomicInteger lost = new java.util.concurrent.atomic.AtomicInteger();
        try {
            for (int i = 0; devices.size() < 5; i++) {
                String id = "willing-" + i;
                if (!Clients.expected(id, keys).equals(keys.get(0))) {
                    continue;
                }
                MqttClient c = new MqttClient("tcp://127.0.0.1:" + gateway.mqttPort(), id, new MemoryPersistence());
                c.setCallback(new org.eclipse.paho.client.mqttv3.MqttCallback() {
                    @Override
                    public void connectionLost(Throwable cause) {
                        lost.incrementAndGet();
                    }

                    @Override
                    public void messageArrived(String topic, org.eclipse.paho.client.mqttv3.MqttMessage message) {
                    }

                    @Override
                    public void deliveryComplete(org.eclipse.paho.client.mqttv3.IMqttDeliveryToken token) {
                    }
                });
                MqttConnectOptions o = Clients.options();
                o.setWill("will/" + id, "gone".getBytes(java.nio.charset.StandardCharsets.UTF_8), 1, false);
                c.connect(o);
                devices.add(c);
            }
            // Control: a device on the same broker that drops its socket without DISCONNECT gets its will published.
            String control = Clients.idHashingTo(keys.get(0), keys, "will-control-");
            try (java.net.Socket raw = new java.net.Socket("127.0.0.1", gateway.mqttPort())) {
                raw.getOutputStream().write(connectWithWill(control, "will/" + control));
                assertThat(raw.getInputStream().readNBytes(4)).containsExactly(0x20, 0x02, 0x00, 0x00);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> wills.contains("will/" + control));

            health.get(0).notReady();
            await().atMost(Duration.ofSeconds(30)).until(() -> lost.get() == devices.size());
            assertThat(gateway.metrics().movedCount(MoveReason.DRAIN)).isEqualTo(devices.size());

            // Anything the broker published on will/# before this marker reaches the watcher before it.
            MqttClient marker = new MqttClient("tcp://127.0.0.1:" + drainedBroker.port(), "will-marker", new MemoryPersistence());
            marker.connect(Clients.options());
            marker.publish("will/marker", new byte[] {1}, 1, false);
            marker.disconnect();
            marker.close();
            await().atMost(Duration.ofSeconds(10)).until(() -> wills.contains("will/marker"));
            assertThat(wills).containsExactly("will/" + control, "will/marker");
        } finally {
            for (MqttClient c : devices) {
                c.close(true);
            }
            watcher.disconnect();
            watcher.close();
        }
    }

    @Test
    void nodeReadyAgain_getsNewClientsAgain() throws Exception {
        String id = Clients.idHashingTo(keys.get(0), keys, "comeback-");
        health.get(0).notReady();
        await().atMost(Duration.ofSeconds(10)).until(() -> gateway.nodes().get(keys.get(0)).state() == NodeState.DRAINING);
        assertThat(clients.landing(gateway.mqttPort(), id)).isEqualTo(keys.get(1));
        clients.connected.get(id).paho().disconnect();
        health.get(0).ready();
        await().atMost(Duration.ofSeconds(10)).until(() -> gateway.nodes().get(keys.get(0)).state() == NodeState.UP);
        assertThat(clients.landing(gateway.mqttPort(), id)).isEqualTo(keys.get(0));
    }

    /** MQTT 3.1.1 CONNECT, clean session, keepalive 60, a will at QoS 1 with payload "gone". */
    private static byte[] connectWithWill(String id, String willTopic) {
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        body.writeBytes(new byte[] {0, 4, 'M', 'Q', 'T', 'T', 4, 0x0E, 0, 60});
        for (String field : new String[] {id, willTopic, "gone"}) {
            byte[] b = field.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            body.write(b.length >> 8);
            body.write(b.length);
            body.writeBytes(b);
        }
        java.io.ByteArrayOutputStream packet = new java.io.ByteArrayOutputStream();
        packet.write(0x10);
        packet.write(body.size()); // short ids: one length byte
        packet.writeBytes(body.toByteArray());
        return packet.toByteArray();
    }
}
