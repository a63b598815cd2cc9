package io.mqttcluster.broker.it;

import io.mqttcluster.broker.BrokerNode;
import io.mqttcluster.broker.testing.Paho;
import io.mqttcluster.broker.testing.RawClient;
import io.mqttcluster.broker.testing.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** 05-session: persistent sessions, clean sessions, queue bounds, takeover, resend. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SessionIT {

    static BrokerNode node;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start(Map.of("mqtt.max-queued-messages", "50", "mqtt.max-inflight", "10"));
        port = node.mqttPort();
    }

    @AfterAll
    static void stop() {
        node.stop();
    }

    // [MQTT-3.1.2-4] [MQTT-3.1.2-5] clean session 0: subscriptions and QoS 1/2 messages kept while offline
    @Test
    void persistentSession_receivesWhatWasPublishedWhileOffline_inOrder_withSessionPresent() throws Exception {
        try (Paho sub = Paho.connect(port, "sess-dev1", false)) {
            sub.subscribe("sess/#", 2);
        }
        try (Paho pub = Paho.connect(port, "sess-pub1", true)) {
            for (int i = 0; i < 30; i++) {
                pub.publish("sess/t", "m" + i, 1 + (i % 2), false);
            }
            pub.publish("sess/t", "qos0-not-kept", 0, false);
        }
        try (Paho sub = Paho.connect(port, "sess-dev1", false)) {
            List<Paho.Received> got = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                Paho.Received r = sub.next(5000);
                assertThat(r).as("message %d", i).isNotNull();
                got.add(r);
            }
            // Paho hands a QoS 2 message to the application on PUBREL, so QoS 1 and 2 interleave; each QoS
            // stream is in publish order [MQTT-4.6.0-6]
            for (int q = 1; q <= 2; q++) {
                int qos = q;
                List<Integer> seq = got.stream().filter(r -> r.qos() == qos)
                        .map(r -> Integer.parseInt(r.payload().substring(1))).toList();
                assertThat(seq).as("qos %d", q).hasSize(15).isSorted();
            }
            assertThat(sub.next(300)).isNull();
        }
    }

    // regression: stored-copy notices from publishers on different event loops arrive in any order
    @Test
    void persistentSession_online_receivesEverythingFromConcurrentPublishers() throws Exception {
        try (Paho sub = Paho.connect(port, "conc-dev", false).subscribe("conc/#", 1);
             Paho a = Paho.connect(port, "conc-a", true); Paho b = Paho.connect(port, "conc-b", true)) {
            Thread ta = new Thread(() -> publishAll(a, "a"));
            Thread tb = new Thread(() -> publishAll(b, "b"));
            ta.start();
            tb.start();
            ta.join(30_000);
            tb.join(30_000);
            java.util.Set<String> got = new java.util.HashSet<>();
            Paho.Received r;
            while (got.size() < 400 && (r = sub.next(5000)) != null) {
                got.add(r.payload());
            }
            assertThat(got).hasSize(400);
        }
    }

    static void publishAll(Paho p, String prefix) {
        try {
            for (int i = 0; i < 200; i++) {
                p.publish("conc/" + prefix, prefix + i, 1, false);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void connack_sessionPresent_isSetOnlyWhenAPersistentSessionResumes() throws Exception {
        try (RawClient raw = new RawClient(port)) {
            raw.send(RawClient.connect("sp-dev", false, 30));
            RawClient.Packet ack = raw.read();
            assertThat(ack.body()[0] & 0x01).isZero(); // first time: no session
            raw.send(RawClient.disconnect());
        }
        await().atMost(5, TimeUnit.SECONDS).until(() -> node.broker().sessions().channel("sp-dev") == null);
        try (RawClient raw = new RawClient(port)) {
            raw.send(RawClient.connect("sp-dev", false, 30));
            assertThat(raw.read().body()[0] & 0x01).isEqualTo(1); // [MQTT-3.2.2-2]
            raw.send(RawClient.disconnect());
        }
        await().atMost(5, TimeUnit.SECONDS).until(() -> node.broker().sessions().channel("sp-dev") == null);
        try (RawClient raw = new RawClient(port)) {
            raw.send(RawClient.connect("sp-dev", true, 30));
            assertThat(raw.read().body()[0] & 0x01).isZero(); // [MQTT-3.2.2-1] clean session discards it
        }
    }

    @Test
    void cleanSession_discardsSubscriptionsAndQueuedMessages() throws Exception {
        try (Paho sub = Paho.connect(port, "clean-dev", false)) {
            sub.subscribe("clean/t", 1);
        }
        try (Paho pub = Paho.connect(port, "clean-pub", true)) {
            pub.publish("clean/t", "queued", 1, false);
        }
        try (Paho sub = Paho.connect(port, "clean-dev", true)) {
            assertThat(sub.next(500)).isNull();
        }
        try (Paho pub = Paho.connect(port, "clean-pub", true); Paho sub = Paho.connect(port, "clean-dev", false)) {
            pub.publish("clean/t", "after", 1, false);
            assertThat(sub.next(500)).isNull(); // the old subscription went with the clean session
        }
    }

    @Test
    void offlineQueue_overItsBound_dropsTheOldestAndCountsThem() throws Exception {
        try (Paho sub = Paho.connect(port, "bound-dev", false)) {
            sub.subscribe("bound/t", 1);
        }
        double before = droppedQueueFull();
        try (Paho pub = Paho.connect(port, "bound-pub", true)) {
            for (int i = 0; i < 60; i++) {
                pub.publish("bound/t", "m" + i, 1, false);
            }
        }
        try (Paho sub = Paho.connect(port, "bound-dev", false)) {
            List<String> got = new ArrayList<>();
            Paho.Received r;
            while ((r = sub.next(1000)) != null) {
                got.add(r.payload());
            }
            assertThat(got).hasSize(50);
            assertThat(got.get(0)).isEqualTo("m10");
            assertThat(got.get(49)).isEqualTo("m59");
        }
        assertThat(droppedQueueFull() - before).isEqualTo(10);
    }

    static double droppedQueueFull() {
        return node.broker().metrics().registry().get("mqtt.messages.dropped").tag("reason", "queue_full").counter().count();
    }

    // One live connection per client id: a new CONNECT closes the old connection; the session continues
    @Test
    void takeover_closesOldConnectionAndSessionContinuesOnTheNewOne() throws Exception {
        Paho first = Paho.connect(port, "take-dev", false);
        first.subscribe("take/t", 1);
        try (Paho second = Paho.connect(port, "take-dev", false); Paho pub = Paho.connect(port, "take-pub", true)) {
            await().atMost(5, TimeUnit.SECONDS).until(() -> !first.client.isConnected());
            pub.publish("take/t", "to-second", 1, false);
            Paho.Received r = second.next(5000);
            assertThat(r).isNotNull();
            assertThat(r.payload()).isEqualTo("to-second");
            assertThat(first.received).isEmpty();
        } finally {
            first.close();
        }
    }

    // [MQTT-4.4.0-1] unacknowledged messages are resent with DUP=1 when the session resumes
    @Test
    void unacknowledgedMessages_areResentWithDupAfterReconnect() throws Exception {
        int pid;
        try (RawClient raw = new RawClient(port)) {
            raw.send(RawClient.connect("dup-dev", false, 30));
            raw.read();
            raw.send(RawClient.subscribe(1, "dup/t", 1));
            raw.readUntil(RawClient.SUBACK);
            try (Paho pub = Paho.connect(port, "dup-pub", true)) {
                pub.publish("dup/t", "unacked", 1, false);
            }
            RawClient.Packet p = raw.readUntil(RawClient.PUBLISH);
            assertThat(p.flags() & 0x08).isZero();
            pid = RawClient.publishPacketId(p);
            // no PUBACK: drop the connection
        }
        try (RawClient raw = new RawClient(port)) {
            raw.send(RawClient.connect("dup-dev", false, 30));
            assertThat(raw.read().body()[0] & 1).isEqualTo(1);
            RawClient.Packet again = raw.readUntil(RawClient.PUBLISH);
            assertThat(RawClient.payloadOf(again)).isEqualTo("unacked");
            assertThat(again.flags() & 0x08).isEqualTo(0x08);
            assertThat(RawClient.publishPacketId(again)).isEqualTo(pid);
            raw.send(RawClient.ack(RawClient.PUBACK, pid));
            raw.send(RawClient.disconnect());
        }
        try (RawClient raw = new RawClient(port)) {
            raw.send(RawClient.connect("dup-dev", false, 30));
            raw.read();
            assertThat(raw.closedWithin(500)).isFalse(); // nothing resent once acknowledged
        }
    }

    @Test
    void inflightWindow_limitsUnacknowledgedMessages() throws Exception {
        try (RawClient raw = new RawClient(port)) {
            raw.send(RawClient.connect("win-dev", true, 30));
            raw.read();
            raw.send(RawClient.subscribe(1, "win/t", 1));
            raw.readUntil(RawClient.SUBACK);
            try (Paho pub = Paho.connect(port, "win-pub", true)) {
                for (int i = 0; i < 25; i++) {
                    pub.publish("win/t", "m" + i, 1, false);
                }
            }
            List<Integer> ids = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                ids.add(RawClient.publishPacketId(raw.readUntil(RawClient.PUBLISH)));
            }
            assertThat(raw.closedWithin(300)).isFalse(); // window of 10 full: nothing more arrives
            raw.send(RawClient.ack(RawClient.PUBACK, ids.get(0)));
            RawClient.Packet next = raw.readUntil(RawClient.PUBLISH);
            assertThat(RawClient.payloadOf(next)).isEqualTo("m10");
        }
    }
}
