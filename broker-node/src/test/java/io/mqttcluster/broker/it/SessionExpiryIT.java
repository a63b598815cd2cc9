package io.mqttcluster.broker.it;

import io.mqttcluster.broker.testing.Paho;
import io.mqttcluster.broker.testing.ProcessCluster;
import io.mqttcluster.broker.testing.RawClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Invariant 12 with node processes: a persistent session whose expiry passed while it was offline is removed
 * cluster-wide (record, queue, subscriptions in every node's mirror) without the client coming back, and a
 * will is published after its delay, or when the session ends if that comes first [MQTT-3.1.3-9].
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class SessionExpiryIT {

    static ProcessCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = ProcessCluster.start(2, Map.of("mqtt.session-expiry", "4s", "mqtt.session-expiry-check", "500ms"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void offlineSessions_expireClusterWide_withQueuesAndSubscriptions_withoutReconnecting() throws Exception {
        String tag = UUID.randomUUID().toString().substring(0, 6);
        int n = 40;
        double expiredBefore = cluster.clusterMetric("mqtt_sessions_expired_total");
        for (int i = 0; i < n; i++) {
            try (RawClient c = new RawClient(cluster.mqttPort(i % 2))) {
                c.send(RawClient.connect("exp-" + tag + "-" + i, false, 60));
                assertThat(c.read().type()).isEqualTo(RawClient.CONNACK);
                c.send(RawClient.subscribe(1, "exp/" + tag + "/" + i, 1));
                c.readUntil(RawClient.SUBACK);
                c.send(RawClient.subscribe(2, "exp/" + tag + "/all", 1));
                c.readUntil(RawClient.SUBACK);
                c.send(RawClient.disconnect());
            }
        }
        // while they are away, messages are queued for them
        try (Paho pub = Paho.connect(cluster.mqttPort(0), "exp-pub-" + tag, true)) {
            pub.publish("exp/" + tag + "/all", "queued", 1, false);
        }
        assertThat(cluster.clusterMetric("mqtt_hazelcast_map_entries", "map=\"mqtt.dsubs\"")).isGreaterThanOrEqualTo(2 * n);

        // no client comes back: within the expiry and a few sweeps, nothing of them is left anywhere
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            assertThat(cluster.clusterMetric("mqtt_hazelcast_map_entries", "map=\"mqtt.sessions\"")).isZero();
            assertThat(cluster.clusterMetric("mqtt_hazelcast_map_entries", "map=\"mqtt.dsubs\"")).isZero();
        });
        assertThat(cluster.clusterMetric("mqtt_sessions_expired_total") - expiredBefore).isEqualTo(n);

        // a publish to their topics is stored for nobody now, and a returning client starts afresh
        try (Paho pub = Paho.connect(cluster.mqttPort(1), "exp-pub2-" + tag, true)) {
            pub.publish("exp/" + tag + "/all", "after", 1, false);
            assertThat(cluster.clusterMetric("mqtt_hazelcast_map_entries", "map=\"mqtt.dsubs\"")).isZero();
        }
        // the publisher's own clean-session record is released after its DISCONNECT arrives, asynchronously
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                assertThat(cluster.clusterMetric("mqtt_hazelcast_map_entries", "map=\"mqtt.sessions\"")).isZero());
        try (RawClient back = new RawClient(cluster.mqttPort(1))) {
            back.send(RawClient.connect("exp-" + tag + "-3", false, 60));
            RawClient.Packet connack = back.read();
            assertThat(connack.body()[0] & 1).as("session present").isZero();
            back.send(RawClient.disconnect());
        }
    }

    @Test
    void willDelay_isHonoured_andEndsWithTheSession() throws Exception {
        String tag = UUID.randomUUID().toString().substring(0, 6);
        try (Paho watcher = Paho.connect(cluster.mqttPort(0), "will-watch-" + tag, true).subscribe("wd/" + tag + "/#", 1)) {
            // delayed 2 s, session lasts 4 s (the node's cap): published after about 2 s
            long t0 = System.nanoTime();
            dropWith(cluster.mqttPort(1), "wd-a-" + tag, 60, "wd/" + tag + "/a", 2);
            Paho.Received a = watcher.next(15_000);
            assertThat(a).isNotNull();
            assertThat(a.topic()).isEqualTo("wd/" + tag + "/a");
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isGreaterThanOrEqualTo(1_500);

            // delayed 30 s, but the session ends after 4 s: published when it ends
            t0 = System.nanoTime();
            dropWith(cluster.mqttPort(0), "wd-b-" + tag, 4, "wd/" + tag + "/b", 30);
            Paho.Received b = watcher.next(20_000);
            assertThat(b).isNotNull();
            assertThat(b.topic()).isEqualTo("wd/" + tag + "/b");
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isBetween(3_000L, 15_000L);

            // delayed 3 s, and the client is back after 1 s: never published
            dropWith(cluster.mqttPort(1), "wd-c-" + tag, 60, "wd/" + tag + "/c", 3);
            await().pollDelay(Duration.ofMillis(800)).atMost(Duration.ofSeconds(2)).until(() -> true);
            try (RawClient back = new RawClient(cluster.mqttPort(0))) {
                back.send(RawClient.connect5("wd-c-" + tag, false, 60, 60, null, null, 0, 0));
                assertThat(back.read().type()).isEqualTo(RawClient.CONNACK);
                // a marker published after the will would have been: it arrives, the will does not
                try (Paho pub = Paho.connect(cluster.mqttPort(1), "wd-pub-" + tag, true)) {
                    await().pollDelay(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(6)).until(() -> true);
                    pub.publish("wd/" + tag + "/marker", "m", 1, false);
                }
                List<String> topics = new ArrayList<>();
                Paho.Received r;
                while ((r = watcher.next(10_000)) != null) {
                    topics.add(r.topic());
                    if (r.topic().endsWith("/marker")) {
                        break;
                    }
                }
                assertThat(topics).containsExactly("wd/" + tag + "/marker");
            }
        }
        // and every one of these sessions ends within its expiry (the other test counts expiries exactly)
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                assertThat(cluster.clusterMetric("mqtt_hazelcast_map_entries", "map=\"mqtt.sessions\"")).isZero());
    }

    /** Connects as MQTT 5 with a delayed will, then drops the connection without DISCONNECT. */
    private static void dropWith(int port, String id, long sessionExpiry, String willTopic, long willDelay) throws Exception {
        RawClient c = new RawClient(port);
        c.send(RawClient.connect5(id, true, 60, sessionExpiry, willTopic, "gone".getBytes(StandardCharsets.UTF_8), 1, willDelay));
        assertThat(c.read().type()).isEqualTo(RawClient.CONNACK);
        c.close();
    }
}
