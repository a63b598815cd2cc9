package io.mqttcluster.gateway.it;

import static org.awaitility.Awaitility.await;

import io.mqttcluster.gateway.hash.RendezvousHash;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * Paho MQTT 3.1.1 clients for the integration tests, and a probe that tells on which broker a
 * client's publish arrived: one subscriber connected directly to each broker on {@code probe/#}.
 */
final class Clients implements AutoCloseable {
    private final List<MqttClient> all = new ArrayList<>();
    private final List<MqttClient> probes = new ArrayList<>();
    private final java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(16);
    /** The clients connected last under each id. */
    final Map<String, Client> connected = new ConcurrentHashMap<>();

    static {
        org.awaitility.Awaitility.setDefaultPollInterval(Duration.ofMillis(10));
        org.awaitility.Awaitility.setDefaultPollDelay(Duration.ZERO);
    }
    /** client id -> key of the broker its probe publish arrived at. */
    final Map<String, String> arrivedAt = new ConcurrentHashMap<>();

    /** A client connected through {@code gatewayPort}; {@code lost} is set when its connection drops. */
    record Client(String id, MqttClient paho, AtomicBoolean lost) {
        void publishProbe() throws MqttException {
            paho.publish("probe/" + id, id.getBytes(StandardCharsets.UTF_8), 1, false);
        }
    }

    void probeBrokers(List<Mosquitto> brokers) throws MqttException {
        for (Mosquitto b : brokers) {
            MqttClient probe = new MqttClient("tcp://127.0.0.1:" + b.port(), "probe-" + b.port(), new MemoryPersistence());
            probe.connect(options());
            String key = b.key();
            probe.subscribe("probe/#", 1, (topic, msg) -> arrivedAt.put(topic.substring("probe/".length()), key));
            probes.add(probe);
        }
    }

    Client connect(int gatewayPort, String id) throws MqttException {
        MqttClient c = new MqttClient("tcp://127.0.0.1:" + gatewayPort, id, new MemoryPersistence());
        AtomicBoolean lost = new AtomicBoolean();
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
        c.connect(options());
        synchronized (all) {
            all.add(c);
        }
        return new Client(id, c, lost);
    }

    /** Connects, publishes a probe, waits until it arrived somewhere; returns the broker key. */
    String landing(int gatewayPort, String id) throws Exception {
        return landAll(gatewayPort, List.of(id)).get(id);
    }

    /**
     * Connects one client per id through the gateway, in parallel (a Paho connect takes about
     * 300 ms of its own), publishes each one's probe, and waits until every probe arrived.
     *
     * @return client id -> broker key; the clients stay connected (see {@link #connected})
     */
    Map<String, String> landAll(int gatewayPort, List<String> ids) throws Exception {
        ids.forEach(arrivedAt::remove);
        List<Client> connectedNow = connectAll(gatewayPort, ids);
        for (Client c : connectedNow) {
            c.publishProbe();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> ids.stream().allMatch(arrivedAt::containsKey));
        Map<String, String> out = new java.util.LinkedHashMap<>();
        for (String id : ids) {
            out.put(id, arrivedAt.get(id));
        }
        return out;
    }

    /** Connects one client per id through the gateway, in parallel. */
    List<Client> connectAll(int gatewayPort, List<String> ids) throws Exception {
        List<java.util.concurrent.Future<Client>> futures = new ArrayList<>();
        for (String id : ids) {
            futures.add(pool.submit(() -> connect(gatewayPort, id)));
        }
        List<Client> out = new ArrayList<>();
        for (java.util.concurrent.Future<Client> f : futures) {
            Client c = f.get(60, java.util.concurrent.TimeUnit.SECONDS);
            connected.put(c.id(), c);
            out.add(c);
        }
        return out;
    }

    static MqttConnectOptions options() {
        MqttConnectOptions o = new MqttConnectOptions();
        o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        o.setCleanSession(true);
        o.setConnectionTimeout(15);
        o.setKeepAliveInterval(60);
        o.setAutomaticReconnect(false);
        // Paho 1.2.5 lets a synchronous QoS 1 publish return before its callback thread frees the in-flight slot
        // (paho.mqtt.java issue 551): back-to-back publishes on a busy machine then run into the default window of
        // 10 and fail with "Too many publishes in progress" although every one was acknowledged
        o.setMaxInflight(1000);
        return o;
    }

    static String expected(String id, List<String> nodeKeys) {
        return RendezvousHash.best(id.getBytes(StandardCharsets.UTF_8), nodeKeys, k -> k);
    }

    /** The first {@code n} ids {@code prefix + i} (i = 0, 1, ...) that the gateway hashes to {@code node}. */
    static List<String> idsHashingTo(String node, List<String> nodeKeys, String prefix, int n) {
        List<String> ids = new ArrayList<>(n);
        for (int i = 0; ids.size() < n; i++) {
            if (expected(prefix + i, nodeKeys).equals(node)) {
                ids.add(prefix + i);
            }
        }
        return ids;
    }

    static String idHashingTo(String node, List<String> nodeKeys, String prefix) {
        return idsHashingTo(node, nodeKeys, prefix, 1).get(0);
    }

    @Override
    public void close() {
        List<MqttClient> copy;
        synchronized (all) {
            copy = new ArrayList<>(all);
            all.clear();
        }
        copy.addAll(probes);
        probes.clear();
        connected.clear();
        List<java.util.concurrent.Future<?>> closing = new ArrayList<>();
        for (MqttClient c : copy) {
            closing.add(pool.submit(() -> closeQuietly(c)));
        }
        for (java.util.concurrent.Future<?> f : closing) {
            try {
                f.get(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // best effort
            }
        }
        pool.shutdownNow();
    }

    private static void closeQuietly(MqttClient c) {
        try {
            if (c.isConnected()) {
                c.disconnectForcibly(0, 100, false);
            }
        } catch (MqttException ignored) {
            // best effort
        }
        try {
            c.close(true);
        } catch (MqttException ignored) {
            // best effort
        }
    }
}
