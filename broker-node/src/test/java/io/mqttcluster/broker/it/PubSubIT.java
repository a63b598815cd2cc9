package io.mqttcluster.broker.it;

import io.mqttcluster.broker.BrokerNode;
import io.mqttcluster.broker.testing.Paho;
import io.mqttcluster.broker.testing.RawClient;
import io.mqttcluster.broker.testing.TestNode;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3Client;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** 02-subpub: publish and subscribe at every QoS with real clients. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PubSubIT {

    static BrokerNode node;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start();
        port = node.mqttPort();
    }

    @AfterAll
    static void stop() {
        node.stop();
    }

    @Test
    void publish_atEachQos_reachesSubscriberAtMinOfPublishedAndGranted() throws Exception {
        try (Paho sub = Paho.connect(port, "ps-sub-1", true); Paho pub = Paho.connect(port, "ps-pub-1", true)) {
            sub.subscribe("qos/+/x", 2);
            for (int q = 0; q <= 2; q++) {
                pub.publish("qos/" + q + "/x", "m" + q, q, false);
                Paho.Received r = sub.next(5000);
                assertThat(r).isNotNull();
                assertThat(r.payload()).isEqualTo("m" + q);
                assertThat(r.qos()).isEqualTo(q);
                assertThat(r.retained()).isFalse();
            }
        }
        try (Paho sub = Paho.connect(port, "ps-sub-2", true); Paho pub = Paho.connect(port, "ps-pub-2", true)) {
            sub.subscribe("down/x", 1);
            pub.publish("down/x", "two", 2, false);
            Paho.Received r = sub.next(5000);
            assertThat(r.qos()).isEqualTo(1); // min(2, granted 1)
        }
    }

    // [MQTT-3.3.5-1] overlapping subscriptions of one client: one copy, at the maximum QoS of the matches
    @Test
    void overlappingSubscriptions_deliverOneCopyAtHighestQos() throws Exception {
        try (Paho sub = Paho.connect(port, "ov-sub", true); Paho pub = Paho.connect(port, "ov-pub", true)) {
            sub.subscribe("ov/#", 0);
            sub.subscribe("ov/+/c", 2);
            sub.subscribe("ov/b/c", 1);
            pub.publish("ov/b/c", "once", 2, false);
            pub.publish("ov/end", "marker", 0, false);
            // Paho hands QoS 2 to the application on PUBREL, so the QoS 0 marker may come first
            List<Paho.Received> got = List.of(sub.next(5000), sub.next(5000));
            assertThat(got).extracting(Paho.Received::payload).containsExactlyInAnyOrder("once", "marker");
            assertThat(got).filteredOn(r -> r.payload().equals("once")).extracting(Paho.Received::qos).containsExactly(2);
            assertThat(sub.next(300)).isNull();
        }
    }

    @Test
    void order_fromOnePublisherOnOneTopic_isKeptAtEachQos() throws Exception {
        try (Paho sub = Paho.connect(port, "ord-sub", true); Paho pub = Paho.connect(port, "ord-pub", true)) {
            sub.subscribe("ord/#", 2);
            for (int q = 0; q <= 2; q++) {
                for (int i = 0; i < 200; i++) {
                    pub.client.publish("ord/" + q, (q + ":" + i).getBytes(StandardCharsets.UTF_8), q, false);
                }
            }
            List<String> got = new ArrayList<>();
            for (int i = 0; i < 600; i++) {
                Paho.Received r = sub.next(5000);
                assertThat(r).as("message %d", i).isNotNull();
                got.add(r.payload());
            }
            for (int q = 0; q <= 2; q++) {
                String prefix = q + ":";
                List<Integer> seq = got.stream().filter(s -> s.startsWith(prefix))
                        .map(s -> Integer.parseInt(s.substring(prefix.length()))).toList();
                assertThat(seq).as("qos %d", q).isSorted().hasSize(200);
            }
        }
    }

    @Test
    void hivemqClient_publishesAndReceivesAtQos2() throws Exception {
        Mqtt3BlockingClient sub = Mqtt3Client.builder().identifier("hive-sub").serverHost("127.0.0.1").serverPort(port)
                .buildBlocking();
        Mqtt3BlockingClient pub = Mqtt3Client.builder().identifier("hive-pub").serverHost("127.0.0.1").serverPort(port)
                .buildBlocking();
        sub.connect();
        pub.connect();
        try (Mqtt3BlockingClient.Mqtt3Publishes publishes = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            sub.subscribeWith().topicFilter("hive/#").qos(MqttQos.EXACTLY_ONCE).send();
            pub.publishWith().topic("hive/1").qos(MqttQos.EXACTLY_ONCE).payload("binary\0payload".getBytes()).send();
            Optional<Mqtt3Publish> got = publishes.receive(5, TimeUnit.SECONDS);
            assertThat(got).isPresent();
            assertThat(got.get().getQos()).isEqualTo(MqttQos.EXACTLY_ONCE);
            assertThat(got.get().getPayloadAsBytes()).isEqualTo("binary\0payload".getBytes());
        } finally {
            sub.disconnect();
            pub.disconnect();
        }
    }

    // [MQTT-3.8.4-4] / [MQTT-3.9.3-2]: an invalid filter gets 0x80 in its SUBACK slot; the others are granted
    @Test
    void subscribe_invalidFilter_gets0x80AndOthersAreGranted() throws Exception {
        try (RawClient raw = new RawClient(port)) {
            raw.send(RawClient.connect("raw-inv", true, 30));
            assertThat(raw.read().type()).isEqualTo(RawClient.CONNACK);
            byte[] two = RawClient.packet(0x82, concat(new byte[]{0, 7},
                    str("a/#/b"), new byte[]{1}, str("ok/+"), new byte[]{2}));
            raw.send(two);
            RawClient.Packet suback = raw.read();
            assertThat(suback.type()).isEqualTo(RawClient.SUBACK);
            assertThat(suback.packetId()).isEqualTo(7);
            assertThat(suback.body()[2] & 0xFF).isEqualTo(0x80);
            assertThat(suback.body()[3] & 0xFF).isEqualTo(2);
        }
    }

    @Test
    void unsubscribe_stopsDelivery() throws Exception {
        try (Paho sub = Paho.connect(port, "uns-sub", true); Paho pub = Paho.connect(port, "uns-pub", true)) {
            sub.subscribe("uns/a", 1);
            sub.subscribe("uns/b", 1);
            sub.client.unsubscribe("uns/a");
            pub.publish("uns/a", "gone", 1, false);
            pub.publish("uns/b", "kept", 1, false);
            assertThat(sub.next(5000).payload()).isEqualTo("kept");
            assertThat(sub.received).isEmpty();
        }
    }

    // Clients cannot publish to $-topics; [MQTT-4.7.2-1] '#' does not match $SYS
    @Test
    void dollarTopics_cannotBePublishedByClients_andAreNotMatchedByHash() throws Exception {
        try (Paho sub = Paho.connect(port, "dol-sub", true); Paho pub = Paho.connect(port, "dol-pub", true)) {
            sub.subscribe("#", 1);
            sub.subscribe("$SYS/fake", 1);
            pub.publish("$SYS/fake", "nope", 1, false); // acknowledged (3.1.1 has no negative ack), not delivered
            pub.publish("dol/real", "yes", 1, false);
            Paho.Received r = sub.next(5000);
            assertThat(r.topic()).isEqualTo("dol/real");
        }
    }

    @Test
    void noSubscriber_qos1And2Publishes_areStillAcknowledged() throws Exception {
        try (Paho pub = Paho.connect(port, "nosub-pub", true)) {
            pub.publish("nobody/listens", "x", 1, false);
            pub.publish("nobody/listens", "x", 2, false);
        }
    }

    static byte[] str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return concat(new byte[]{(byte) (b.length >> 8), (byte) b.length}, b);
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int i = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, i, p.length);
            i += p.length;
        }
        return out;
    }
}
