package io.mqttcluster.broker.it;

import io.mqttcluster.broker.testing.Paho;
import io.mqttcluster.broker.testing.ProcessCluster;
import io.mqttcluster.broker.testing.RawClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Invariant 11 with node processes and a raw socket for the publisher: a QoS 2 PUBLISH that the broker
 * answered with PUBREC, re-sent with DUP=1 and the same packet id after the publisher reconnected (because
 * it never read that PUBREC), is delivered once to every subscriber, clean or persistent, on every node.
 * MQTT 3.1.1 4.3.3 and 4.4: [MQTT-4.3.3-2], [MQTT-4.4.0-1].
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ExactlyOnceIT {

    static ProcessCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = ProcessCluster.start(2, Map.of());
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void qos2Resend_afterReconnectToTheSameNode_isDeliveredOnce() throws Exception {
        resendAfterReconnect(0, 0);
    }

    @Test
    void qos2Resend_afterReconnectToAnotherNode_isDeliveredOnce() throws Exception {
        resendAfterReconnect(0, 1);
    }

    private void resendAfterReconnect(int firstNode, int secondNode) throws Exception {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        String topic = "once/" + tag;
        List<Paho> subscribers = new ArrayList<>();
        try {
            // clean-session subscribers on both nodes, and a persistent one
            subscribers.add(Paho.connect(cluster.mqttPort(0), "clean-a-" + tag, true).subscribe(topic, 2));
            subscribers.add(Paho.connect(cluster.mqttPort(1), "clean-b-" + tag, true).subscribe(topic, 2));
            subscribers.add(Paho.connect(cluster.mqttPort(1), "durable-" + tag, false).subscribe(topic, 2));

            String publisher = "pub-" + tag;
            try (RawClient first = new RawClient(cluster.mqttPort(firstNode))) {
                first.send(RawClient.connect(publisher, false, 30));
                assertThat(first.read().type()).isEqualTo(RawClient.CONNACK);
                first.send(RawClient.publish(topic, bytes("the-message"), 2, false, false, 7));
                assertThat(first.read().type()).isEqualTo(RawClient.PUBREC);
                // the connection drops: as far as the client knows, PUBREC never came
            }
            try (RawClient second = new RawClient(cluster.mqttPort(secondNode))) {
                second.send(RawClient.connect(publisher, false, 30));
                RawClient.Packet connack = second.read();
                assertThat(connack.type()).isEqualTo(RawClient.CONNACK);
                assertThat(connack.body()[0] & 1).as("session present").isEqualTo(1);
                second.send(RawClient.publish(topic, bytes("the-message"), 2, true, false, 7));
                RawClient.Packet rec = second.read();
                assertThat(rec.type()).isEqualTo(RawClient.PUBREC);
                assertThat(rec.packetId()).isEqualTo(7);
                second.send(RawClient.pubrel(7));
                assertThat(second.read().type()).isEqualTo(RawClient.PUBCOMP);
                // a later message from the same publisher: once it arrives, a duplicate would have come before it
                second.send(RawClient.publish(topic, bytes("marker"), 2, false, false, 8));
                assertThat(second.read().type()).isEqualTo(RawClient.PUBREC);
                second.send(RawClient.pubrel(8));
                assertThat(second.read().type()).isEqualTo(RawClient.PUBCOMP);
                second.send(RawClient.disconnect());
            }
            for (Paho sub : subscribers) {
                List<String> got = new ArrayList<>();
                Paho.Received r;
                while ((r = sub.next(10_000)) != null) {
                    got.add(r.payload());
                    if (r.payload().equals("marker")) {
                        break;
                    }
                }
                assertThat(got).as("deliveries to %s", sub.client.getClientId()).containsExactly("the-message", "marker");
            }
        } finally {
            subscribers.forEach(Paho::close);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
