package io.mqttcluster.broker.it;

import io.mqttcluster.broker.BrokerNode;
import io.mqttcluster.broker.testing.Paho;
import io.mqttcluster.broker.testing.RawClient;
import io.mqttcluster.broker.testing.TestNode;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** 07-will: the last will on abnormal ends, never after DISCONNECT or a takeover. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WillIT {

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

    /**
     * A client with a will whose connection then ends without DISCONNECT: a raw client closing its socket
     * right after the CONNACK (Paho's forced disconnect races its own receiver thread).
     */
    static void connectWithWillAndDrop(String id, String topic, int qos, boolean retain) throws Exception {
        try (RawClient c = new RawClient(port)) {
            c.send(RawClient.connect(4, id, true, 30, topic, ("will of " + id).getBytes(), qos, retain));
            assertThat(c.read().type()).isEqualTo(RawClient.CONNACK);
        }
    }

    static Paho withWill(String id, String topic, int qos, boolean retain, int keepAlive) throws Exception {
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(true);
        o.setKeepAliveInterval(keepAlive);
        o.setWill(topic, ("will of " + id).getBytes(), qos, retain);
        return Paho.connect(port, id, o);
    }

    // [MQTT-3.1.2-8] the will is published when the network connection closes without DISCONNECT
    @Test
    void socketDrop_publishesTheWillWithItsQos() throws Exception {
        try (Paho watcher = Paho.connect(port, "w-watch-1", true)) {
            watcher.subscribe("will/drop", 2);
            connectWithWillAndDrop("w-drop", "will/drop", 2, false);
            Paho.Received r = watcher.next(5000);
            assertThat(r).isNotNull();
            assertThat(r.payload()).isEqualTo("will of w-drop");
            assertThat(r.qos()).isEqualTo(2);
        }
    }

    // [MQTT-3.14.4-3] after DISCONNECT the will is discarded
    @Test
    void disconnect_discardsTheWill() throws Exception {
        try (Paho watcher = Paho.connect(port, "w-watch-2", true)) {
            watcher.subscribe("will/clean", 1);
            Paho client = withWill("w-clean", "will/clean", 1, false, 30);
            client.close();
            try (Paho pub = Paho.connect(port, "w-marker", true)) {
                pub.publish("will/clean", "marker", 1, false);
            }
            assertThat(watcher.next(5000).payload()).isEqualTo("marker");
            assertThat(watcher.next(300)).isNull();
        }
    }

    @Test
    void willRetain_isHonoured() throws Exception {
        connectWithWillAndDrop("w-ret", "will/retained", 1, true);
        // a later subscriber gets it as a retained message
        Paho.Received r = null;
        for (int attempt = 0; attempt < 50 && r == null; attempt++) {
            try (Paho late = Paho.connect(port, "w-late-" + attempt, true)) {
                late.subscribe("will/retained", 1);
                r = late.next(200);
            }
        }
        assertThat(r).isNotNull();
        assertThat(r.retained()).isTrue();
        assertThat(r.payload()).isEqualTo("will of w-ret");
    }

    // keepalive: no packet within 1.5 x keepalive closes the connection, and that is abnormal: will published
    @Test
    void keepaliveExpiry_closesTheConnectionAndPublishesTheWill() throws Exception {
        try (Paho watcher = Paho.connect(port, "w-watch-3", true);
             RawClient silent = new RawClient(port)) {
            watcher.subscribe("will/ka", 1);
            long t0 = System.nanoTime();
            silent.send(RawClient.connect(4, "w-ka", true, 1, "will/ka", "keepalive".getBytes(), 1));
            assertThat(silent.read().type()).isEqualTo(RawClient.CONNACK);
            Paho.Received r = watcher.next(6000);
            assertThat(r).isNotNull();
            assertThat(r.payload()).isEqualTo("keepalive");
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertThat(ms).isBetween(1000L, 5000L);
            assertThat(silent.closedWithin(2000)).isTrue();
        }
    }

    @Test
    void keepaliveZero_neverExpires() throws Exception {
        try (RawClient idle = new RawClient(port)) {
            idle.send(RawClient.connect("w-ka0", true, 0));
            idle.read();
            assertThat(idle.closedWithin(2500)).isFalse();
        }
    }

    @Test
    void protocolError_publishesTheWill() throws Exception {
        try (Paho watcher = Paho.connect(port, "w-watch-4", true);
             RawClient bad = new RawClient(port)) {
            watcher.subscribe("will/proto", 1);
            bad.send(RawClient.connect(4, "w-proto", true, 30, "will/proto", "proto".getBytes(), 1));
            bad.read();
            bad.send(RawClient.connect("w-proto", true, 30)); // a second CONNECT
            assertThat(watcher.next(5000).payload()).isEqualTo("proto");
        }
    }

    @Test
    void takeover_doesNotPublishTheWill() throws Exception {
        try (Paho watcher = Paho.connect(port, "w-watch-5", true)) {
            watcher.subscribe("will/take", 1);
            Paho first = withWill("w-take", "will/take", 1, false, 30);
            try (Paho second = Paho.connect(port, "w-take", true); Paho marker = Paho.connect(port, "w-marker2", true)) {
                marker.publish("will/take", "marker", 1, false);
                assertThat(watcher.next(5000).payload()).isEqualTo("marker");
                assertThat(watcher.next(300)).isNull();
            } finally {
                first.close();
            }
        }
    }
}
