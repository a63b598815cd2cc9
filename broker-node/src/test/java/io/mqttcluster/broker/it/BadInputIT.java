package io.mqttcluster.broker.it;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.mqttcluster.broker.BrokerNode;
import io.mqttcluster.broker.testing.LogCapture;
import io.mqttcluster.broker.testing.Paho;
import io.mqttcluster.broker.testing.RawClient;
import io.mqttcluster.broker.testing.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bad input closes that connection, logs one concise line without a stack trace, allocates nothing by an
 * announced length, and every other client keeps working: each case ends with a healthy QoS 1 round trip
 * of a client that was connected all along.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BadInputIT {

    static BrokerNode node;
    static int port;
    static Paho healthySub;
    static Paho healthyPub;
    LogCapture logs;

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start(Map.of("mqtt.max-packet-size", "64KB"));
        port = node.mqttPort();
        healthySub = Paho.connect(port, "healthy-sub", true).subscribe("healthy/t", 1);
        healthyPub = Paho.connect(port, "healthy-pub", true);
    }

    @AfterAll
    static void stop() {
        healthySub.close();
        healthyPub.close();
        node.stop();
    }

    @BeforeEach
    void capture() {
        logs = LogCapture.install();
    }

    @AfterEach
    void healthyClientsStillWork_andLogsStayConcise() throws Exception {
        healthyPub.publish("healthy/t", "still alive", 1, false);
        Paho.Received r = healthySub.next(5000);
        assertThat(r).isNotNull();
        assertThat(r.payload()).isEqualTo("still alive");
        logs.close();
        List<ILoggingEvent> noisy = logs.events.stream()
                .filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN) || e.getThrowableProxy() != null).toList();
        assertThat(noisy).as("no warnings, errors or stack traces for bad input").isEmpty();
    }

    static void assertClosed(byte[] bytes) throws Exception {
        try (RawClient raw = new RawClient(port)) {
            raw.send(bytes);
            assertThat(raw.closedWithin(3000)).as("connection closed").isTrue();
        }
    }

    static void assertClosedAfterConnect(byte[] bytes) throws Exception {
        try (RawClient raw = new RawClient(port)) {
            raw.send(RawClient.connect("bad-" + System.nanoTime(), true, 30));
            assertThat(raw.read().type()).isEqualTo(RawClient.CONNACK);
            raw.send(bytes);
            assertThat(raw.closedWithin(3000)).as("connection closed").isTrue();
        }
    }

    // [MQTT-2.2.3-1] remaining length: at most four bytes
    @Test
    void malformedRemainingLength_closesTheConnection() throws Exception {
        assertClosedAfterConnect(new byte[]{0x30, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x01});
    }

    // [MQTT-3.3.2-2] a PUBLISH topic must not hold wildcards
    @Test
    void wildcardInPublishTopic_closesTheConnection() throws Exception {
        assertClosedAfterConnect(RawClient.publish("a/+/c", "x".getBytes(), 1, false, false, 1));
        assertClosedAfterConnect(RawClient.publish("a/#", "x".getBytes(), 0, false, false, 0));
    }

    // [MQTT-1.5.3-1] ill-formed UTF-8 closes the connection
    @Test
    void invalidUtf8InTopic_closesTheConnection() throws Exception {
        byte[] topic = {(byte) 0xC3, (byte) 0x28}; // invalid 2-byte sequence
        ByteArrayOutputStream v = new ByteArrayOutputStream();
        v.write(0);
        v.write(topic.length);
        v.writeBytes(topic);
        v.writeBytes("x".getBytes());
        assertClosedAfterConnect(RawClient.packet(0x30, v.toByteArray()));
    }

    // [MQTT-2.2.2-2] wrong reserved flags (SUBSCRIBE must have 0010)
    @Test
    void wrongReservedFlags_closesTheConnection() throws Exception {
        byte[] sub = RawClient.subscribe(1, "a", 0);
        sub[0] = (byte) 0x80; // flags 0000
        assertClosedAfterConnect(sub);
    }

    @Test
    void firstPacketNotConnect_closesTheConnection() throws Exception {
        assertClosed(RawClient.publish("a", "x".getBytes(), 0, false, false, 0));
    }

    @Test
    void announcedLengthFarOverTheLimit_closesAtOnce_withoutWaitingForTheBody() throws Exception {
        // 268 MB announced, a few bytes sent: the broker must not wait for (or allocate) the rest
        try (RawClient raw = new RawClient(port)) {
            raw.send(RawClient.connect("big-announce", true, 30));
            raw.read();
            long heapBefore = usedHeap();
            raw.send(new byte[]{0x30, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x7F, 0, 1, 'a'});
            assertThat(raw.closedWithin(3000)).isTrue();
            assertThat(usedHeap() - heapBefore).isLessThan(64L * 1024 * 1024);
        }
        // and a CONNECT announcing more than the limit
        assertClosed(new byte[]{0x10, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x7F, 0, 4, 'M', 'Q', 'T', 'T'});
    }

    @Test
    void packetJustOverTheConfiguredLimit_closesTheConnection() throws Exception {
        assertClosedAfterConnect(RawClient.publish("big", new byte[65 * 1024], 0, false, false, 0));
    }

    @Test
    void randomBytes_closeTheConnection() throws Exception {
        Random random = new Random(7);
        for (int i = 0; i < 20; i++) {
            byte[] garbage = new byte[64 + random.nextInt(512)];
            random.nextBytes(garbage);
            garbage[0] = (byte) (garbage[0] & 0x0F); // type 0 is reserved: never a valid first packet
            assertClosed(garbage);
        }
    }

    @Test
    void manyGarbageConnections_logAFewLinesPerSecondAtMost() throws Exception {
        for (int i = 0; i < 50; i++) {
            assertClosed(new byte[]{0x00, 0x01, 0x02});
        }
        assertThat(logs.from("io.mqttcluster.broker.BadInput").size()).isLessThanOrEqualTo(15);
    }

    static long usedHeap() {
        System.gc();
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }
}
