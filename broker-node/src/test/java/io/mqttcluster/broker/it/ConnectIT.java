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

import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** 01-connect: the CONNECT rules, on a node with a 1 s CONNECT deadline. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConnectIT {

    static BrokerNode node;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start(Map.of("mqtt.connect-timeout", "1s", "mqtt.max-client-id-length", "64"));
        port = node.mqttPort();
    }

    @AfterAll
    static void stop() {
        node.stop();
    }

    /** CONNACK return code of a CONNECT sent raw. */
    static int connackCode(RawClient raw) throws Exception {
        RawClient.Packet p = raw.read();
        assertThat(p.type()).isEqualTo(RawClient.CONNACK);
        return p.body()[1] & 0xFF;
    }

    // [MQTT-3.1.2-2] unsupported protocol level: CONNACK 0x01 and close
    @Test
    void connect_unsupportedProtocolLevel_isRefusedWith0x01AndClosed() throws Exception {
        try (RawClient raw = new RawClient(port)) {
            raw.send(RawClient.connect(6, "lvl6", true, 30, null, null, 0));
            assertThat(connackCode(raw)).isEqualTo(0x01);
            assertThat(raw.closedWithin(3000)).isTrue();
        }
    }

    // [MQTT-3.1.3-8] empty client id with clean session 0: CONNACK 0x02 and close
    @Test
    void connect_emptyClientIdWithCleanSession0_isRefusedWith0x02() throws Exception {
        try (RawClient raw = new RawClient(port)) {
            raw.send(RawClient.connect("", false, 30));
            assertThat(connackCode(raw)).isEqualTo(0x02);
            assertThat(raw.closedWithin(3000)).isTrue();
        }
    }

    // [MQTT-3.1.3-6] empty client id with clean session 1: the server assigns one and the client works
    @Test
    void connect_emptyClientIdWithCleanSession1_isAcceptedAndWorks() throws Exception {
        try (RawClient raw = new RawClient(port)) {
            raw.send(RawClient.connect("", true, 30));
            assertThat(connackCode(raw)).isZero();
            raw.send(RawClient.subscribe(1, "anon/t", 1));
            assertThat(raw.read().type()).isEqualTo(RawClient.SUBACK);
            raw.send(RawClient.publish("anon/t", "hi".getBytes(), 1, false, false, 2));
            RawClient.Packet first = raw.read();
            RawClient.Packet second = raw.read();
            RawClient.Packet publish = first.type() == RawClient.PUBLISH ? first : second;
            assertThat(RawClient.payloadOf(publish)).isEqualTo("hi");
        }
    }

    @Test
    void connect_clientIdOverTheLimit_isRefusedWith0x02() throws Exception {
        try (RawClient raw = new RawClient(port)) {
            raw.send(RawClient.connect("x".repeat(65), true, 30));
            assertThat(connackCode(raw)).isEqualTo(0x02);
        }
    }

    @Test
    void connect_mqtt31_isAccepted() throws Exception {
        MqttConnectOptions o = new MqttConnectOptions();
        o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1);
        o.setCleanSession(true);
        try (Paho c = Paho.connect(port, "v31-client", o)) {
            c.subscribe("v31/t", 1);
            c.publish("v31/t", "old protocol", 1, false);
            assertThat(c.next(5000).payload()).isEqualTo("old protocol");
        }
    }

    // [MQTT-3.1.0-2] a second CONNECT is a protocol violation: the connection is closed
    @Test
    void secondConnect_closesTheConnection() throws Exception {
        try (RawClient raw = new RawClient(port)) {
            raw.send(RawClient.connect("twice", true, 30));
            assertThat(connackCode(raw)).isZero();
            raw.send(RawClient.connect("twice", true, 30));
            assertThat(raw.closedWithin(3000)).isTrue();
        }
    }

    // [MQTT-3.1.0-1] the first packet must be CONNECT
    @Test
    void firstPacketNotConnect_closesTheConnection() throws Exception {
        try (RawClient raw = new RawClient(port)) {
            raw.send(RawClient.subscribe(1, "a", 0));
            assertThat(raw.closedWithin(3000)).isTrue();
        }
    }

    @Test
    void noConnectWithinTheDeadline_closesTheConnection() throws Exception {
        try (RawClient raw = new RawClient(port)) {
            long t0 = System.nanoTime();
            assertThat(raw.closedWithin(5000)).isTrue();
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isBetween(500L, 4000L);
        }
    }

    @Test
    void willTopicWithWildcard_closesTheConnectionWithoutConnack() throws Exception {
        try (RawClient raw = new RawClient(port)) {
            raw.send(RawClient.connect(4, "badwill", true, 30, "will/#", "x".getBytes(), 0));
            assertThat(raw.closedWithin(3000)).isTrue();
        }
    }

    @Test
    void maxConnections_refusesTheNextWith0x03() throws Exception {
        try (BrokerNode small = TestNode.start(Map.of("mqtt.max-connections", "2"));
             Paho a = Paho.connect(small.mqttPort(), "mc-a", true);
             Paho b = Paho.connect(small.mqttPort(), "mc-b", true);
             RawClient raw = new RawClient(small.mqttPort())) {
            raw.send(RawClient.connect("mc-c", true, 30));
            assertThat(connackCode(raw)).isEqualTo(0x03);
            assertThat(a.client.isConnected()).isTrue();
            assertThat(b.client.isConnected()).isTrue();
        }
    }
}
