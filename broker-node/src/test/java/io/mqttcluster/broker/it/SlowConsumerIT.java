package io.mqttcluster.broker.it;

import io.mqttcluster.broker.BrokerNode;
import io.mqttcluster.broker.protocol.ClientProtocol;
import io.mqttcluster.broker.testing.Paho;
import io.mqttcluster.broker.testing.RawClient;
import io.mqttcluster.broker.testing.TestNode;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A subscriber that stops reading must not grow the broker's memory without bound: past the pending-write
 * cap QoS 0 is dropped (counted), QoS 1/2 waits in the session's bounded queue.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SlowConsumerIT {

    static BrokerNode node;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start(Map.of("mqtt.max-pending-bytes", "16KB", "mqtt.max-queued-messages", "500"));
        port = node.mqttPort();
    }

    @AfterAll
    static void stop() {
        node.stop();
    }

    @Test
    void stalledSubscriber_qos0Flood_isDroppedAndCounted_heapStaysBounded() throws Exception {
        try (RawClient stalled = new RawClient(port)) {
            stalled.socket().setReceiveBufferSize(4096);
            stalled.send(RawClient.connect("stalled-0", true, 0));
            stalled.read();
            stalled.send(RawClient.subscribe(1, "flood/#", 0));
            stalled.readUntil(RawClient.SUBACK);
            // from here on the stalled client reads nothing
            long heapBefore = usedHeap();
            MqttConnectOptions o = new MqttConnectOptions();
            o.setMaxInflight(1000);
            try (Paho pub = Paho.connect(port, "flood-pub", o)) {
                byte[] payload = new byte[4096];
                for (int i = 0; i < 25_000; i++) { // 100 MB
                    pub.client.publish("flood/x", payload, 0, false);
                }
                pub.publish("flood/end", "sync", 1, false); // acknowledged once the broker took all of them in
            }
            double dropped = node.broker().metrics().registry().get("mqtt.messages.dropped")
                    .tag("reason", "slow_consumer").counter().count();
            assertThat(dropped).isGreaterThan(20_000);
            assertThat(usedHeap() - heapBefore).isLessThan(80L * 1024 * 1024);
        }
    }

    @Test
    void stalledSubscriber_qos1Flood_staysWithinItsQueueBound() throws Exception {
        try (RawClient stalled = new RawClient(port)) {
            stalled.socket().setReceiveBufferSize(4096);
            stalled.send(RawClient.connect("stalled-1", true, 0));
            stalled.read();
            stalled.send(RawClient.subscribe(1, "flood1/#", 1));
            stalled.readUntil(RawClient.SUBACK);
            try (Paho pub = Paho.connect(port, "flood1-pub", true)) {
                byte[] payload = new byte[1024];
                for (int i = 0; i < 3000; i++) {
                    pub.client.publish("flood1/x", payload, 1, false);
                }
            }
            ClientProtocol ch = node.broker().sessions().channel("stalled-1");
            int held = ch.context().<Integer>executeBlocking(() -> 0).await(5, TimeUnit.SECONDS); // sync point
            assertThat(held).isZero();
            int[] counts = new int[2];
            ch.context().runOnContext(v -> {
                counts[0] = ch.outbound().pendingCount();
                counts[1] = ch.outbound().inflightCount();
            });
            org.awaitility.Awaitility.await().atMost(5, TimeUnit.SECONDS).until(() -> counts[0] + counts[1] > 0);
            assertThat(counts[0]).isLessThanOrEqualTo(500);
            assertThat(counts[1]).isLessThanOrEqualTo(32);
        }
    }

    static long usedHeap() {
        System.gc();
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }
}
