package io.mqttcluster.broker.it;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import io.mqttcluster.broker.testing.Paho;
import io.mqttcluster.broker.testing.Paho5;
import io.mqttcluster.broker.testing.RawClient;
import io.mqttcluster.broker.testing.Scrape;
import io.mqttcluster.broker.testing.TestCluster;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * MQTT 5.0 with real clients of two libraries (HiveMQ's and Eclipse Paho's) on a two-node cluster: what a
 * PUBLISH carries from a publisher on one node to a subscriber on the other, the reason codes of acknowledgements
 * and of the broker's DISCONNECT, the CONNACK's properties, topic aliases, flow control and size limits, and
 * clients of both protocol levels side by side.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class Mqtt5IT {

    static TestCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = TestCluster.start(2, Map.of("mqtt.max-keepalive", "60", "mqtt.receive-maximum", "20",
                "mqtt.topic-alias-maximum", "4", "mqtt.outbound-topic-aliases", "8", "mqtt.response-information", "reply/"));
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    static String id(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static Mqtt5BlockingClient hivemq(int node, String clientId) {
        Mqtt5BlockingClient c = Mqtt5Client.builder().identifier(clientId).serverHost("127.0.0.1")
                .serverPort(cluster.port(node)).buildBlocking();
        c.connectWith().cleanStart(true).sessionExpiryInterval(0).keepAlive(30).send();
        return c;
    }

    static double metric(int node, String name, String... labels) throws Exception {
        return Scrape.sum(Scrape.metrics(cluster.node(node).httpPort()), name, labels);
    }

    @Test
    void publishProperties_crossNodes_toAPahoSubscriber_inOrder_withTheExpiryLeft() throws Exception {
        String topic = "props/" + UUID.randomUUID();
        try (Paho5 sub = Paho5.connect(cluster.port(1), id("sub"), o -> { })) {
            sub.subscribe(topic, 1, 0);
            Mqtt5BlockingClient pub = hivemq(0, id("pub"));
            try {
                await().atMost(10, TimeUnit.SECONDS).untilAsserted(() -> {
                    pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload("probe".getBytes()).send();
                    assertThat(sub.received.poll(200, TimeUnit.MILLISECONDS)).isNotNull();
                });
                sub.received.clear();
                pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload("héllo".getBytes(StandardCharsets.UTF_8))
                        .payloadFormatIndicator(com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PayloadFormatIndicator.UTF_8)
                        .messageExpiryInterval(120).contentType("text/plain").responseTopic("replies/1")
                        .correlationData("corr-7".getBytes())
                        .userProperties().add("z", "1").add("a", "2").add("z", "3").applyUserProperties()
                        .send();
            } finally {
                pub.disconnect();
            }
            Paho5.Received r = sub.received.poll(10, TimeUnit.SECONDS);
            assertThat(r).isNotNull();
            assertThat(r.payload()).isEqualTo("héllo");
            MqttProperties p = r.properties();
            assertThat(p.getPayloadFormat()).isTrue();
            assertThat(p.getMessageExpiryInterval()).isBetween(115L, 120L);
            assertThat(p.getContentType()).isEqualTo("text/plain");
            assertThat(p.getResponseTopic()).isEqualTo("replies/1");
            assertThat(new String(p.getCorrelationData())).isEqualTo("corr-7");
            assertThat(p.getUserProperties()).extracting(UserProperty::getKey, UserProperty::getValue)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("z", "1"), org.assertj.core.groups.Tuple.tuple("a", "2"),
                            org.assertj.core.groups.Tuple.tuple("z", "3"));
        }
    }

    @Test
    void overlappingSubscriptions_getOneCopy_carryingEveryMatchingIdentifier_onBothNodes() throws Exception {
        String base = "ids/" + UUID.randomUUID();
        try (Paho5 sub = Paho5.connect(cluster.port(1), id("ids"), o -> { });
             Paho5 pub = Paho5.connect(cluster.port(0), id("idpub"), o -> { })) {
            sub.subscribe(base + "/+", 1, 7);
            sub.subscribe(base + "/#", 1, 9);
            sub.subscribe(base + "/x", 0, 0); // no identifier: adds none
            await().atMost(10, TimeUnit.SECONDS).untilAsserted(() -> {
                pub.publish(base + "/x", "m".getBytes(), 1, false, null);
                assertThat(sub.received.poll(200, TimeUnit.MILLISECONDS)).isNotNull();
            });
            sub.received.clear();
            pub.publish(base + "/x", "one".getBytes(), 1, false, null);
            Paho5.Received r = sub.received.poll(10, TimeUnit.SECONDS);
            assertThat(r).isNotNull();
            assertThat(r.properties().getSubscriptionIdentifiers()).containsExactlyInAnyOrder(7, 9);
            assertThat(sub.received.poll(300, TimeUnit.MILLISECONDS)).as("one copy only").isNull();
        }
    }

    @Test
    void acknowledgements_sayNoMatchingSubscribers_andPayloadFormatInvalid() throws Exception {
        Mqtt5BlockingClient pub = hivemq(0, id("acks"));
        try {
            Mqtt5PublishResult nobody = pub.publishWith().topic("nobody/" + UUID.randomUUID()).qos(MqttQos.AT_LEAST_ONCE)
                    .payload("x".getBytes()).send();
            assertThat(((Mqtt5PublishResult.Mqtt5Qos1Result) nobody).getPubAck().getReasonCode())
                    .isEqualTo(Mqtt5PubAckReasonCode.NO_MATCHING_SUBSCRIBERS);
        } finally {
            pub.disconnect();
        }
        try (Paho5 p = Paho5.connect(cluster.port(0), id("utf8"), o -> { })) {
            MqttProperties declared = new MqttProperties();
            declared.setPayloadFormat(true);
            int[] codes = p.publish("utf8/" + UUID.randomUUID(), new byte[]{(byte) 0xC3, (byte) 0x28}, 1, false, declared);
            assertThat(codes).containsExactly(0x99);
        }
    }

    @Test
    void connack_saysWhatTheBrokerAllows_andImposesItsKeepAlive() throws Exception {
        Mqtt5BlockingClient c = Mqtt5Client.builder().identifier(id("connack")).serverHost("127.0.0.1")
                .serverPort(cluster.port(0)).buildBlocking();
        Mqtt5ConnAck ack = c.connectWith().cleanStart(true).keepAlive(0).send(); // asks for no keepalive at all
        try {
            assertThat(ack.getServerKeepAlive()).hasValue(60);
            assertThat(ack.getRestrictions().getReceiveMaximum()).isEqualTo(20);
            assertThat(ack.getRestrictions().getTopicAliasMaximum()).isEqualTo(4);
            assertThat(ack.getRestrictions().getMaximumPacketSize()).isEqualTo(1024 * 1024);
            assertThat(ack.getRestrictions().isWildcardSubscriptionAvailable()).isTrue();
            assertThat(ack.getRestrictions().isSharedSubscriptionAvailable()).isTrue();
            assertThat(ack.getRestrictions().areSubscriptionIdentifiersAvailable()).isTrue();
            assertThat(ack.getRestrictions().isRetainAvailable()).isTrue();
        } finally {
            c.disconnect();
        }
        Mqtt5BlockingClient assigned = Mqtt5Client.builder().serverHost("127.0.0.1").serverPort(cluster.port(1)).buildBlocking();
        Mqtt5ConnAck a2 = assigned.connectWith().cleanStart(true).send();
        try {
            assertThat(a2.getAssignedClientIdentifier()).isPresent();
        } finally {
            assigned.disconnect();
        }
    }

    @Test
    void aSecondConnection_withTheSameId_disconnectsTheFirst_with0x8E() throws Exception {
        String clientId = id("taken");
        try (Paho5 first = Paho5.connect(cluster.port(0), clientId, o -> { })) {
            try (Paho5 second = Paho5.connect(cluster.port(1), clientId, o -> { })) {
                org.eclipse.paho.mqttv5.client.MqttDisconnectResponse gone = first.disconnected.get(10, TimeUnit.SECONDS);
                assertThat(gone.getReturnCode()).isEqualTo(0x8E);
                assertThat(gone.getReasonString()).isEqualTo("taken_over");
                assertThat(second.client.isConnected()).isTrue();
            }
        }
    }

    @Test
    void topicAliases_fromAPublisher_areResolved_andTowardsASubscriber_areAssignedOnceThenUsedAlone() throws Exception {
        String topic = "alias/" + UUID.randomUUID();
        Mqtt5BlockingClient hive = Mqtt5Client.builder().identifier(id("alhive")).serverHost("127.0.0.1")
                .serverPort(cluster.port(0)).buildBlocking();
        hive.connectWith().cleanStart(true).restrictions().topicAliasMaximum(5).applyRestrictions().send();
        try (RawClient raw = new RawClient(cluster.port(0));
             RawClient pub = new RawClient(cluster.port(0));
             Mqtt5BlockingClient.Mqtt5Publishes got = hive.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL)) {
            hive.subscribeWith().topicFilter(topic).qos(MqttQos.AT_MOST_ONCE).send();
            raw.send(RawClient.connect5(id("alraw"), 30, new byte[]{0x22, 0, 3})); // topic alias maximum 3
            raw.readUntil(RawClient.CONNACK);
            raw.send(RawClient.subscribe5(1, topic, 0));
            raw.readUntil(RawClient.SUBACK);
            pub.send(RawClient.connect5(id("alpub"), true, 30, 0, null, null, 0, 0));
            pub.readUntil(RawClient.CONNACK);
            // alias 2 set with the topic, then used alone, twice
            pub.send(RawClient.publish5(topic, "a".getBytes(), 0, 0, new byte[]{0x23, 0, 2}));
            pub.send(RawClient.publish5("", "b".getBytes(), 0, 0, new byte[]{0x23, 0, 2}));
            pub.send(RawClient.publish5("", "c".getBytes(), 0, 0, new byte[]{0x23, 0, 2}));
            for (String expected : List.of("a", "b", "c")) {
                com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish m = got.receive(10, TimeUnit.SECONDS).orElseThrow();
                assertThat(m.getTopic().toString()).isEqualTo(topic); // HiveMQ's client resolves the broker's aliases
                assertThat(new String(m.getPayloadAsBytes())).isEqualTo(expected);
            }
            // on the wire: the first PUBLISH names the topic and alias 1, the next ones only the alias
            byte[] aliasOne = {0x03, 0x23, 0, 1}; // property length 3, topic alias 1
            RawClient.Packet first = raw.readUntil(RawClient.PUBLISH);
            int topicLength = ((first.body()[0] & 0xFF) << 8) | (first.body()[1] & 0xFF);
            assertThat(new String(first.body(), 2, topicLength, StandardCharsets.UTF_8)).isEqualTo(topic);
            assertThat(java.util.Arrays.copyOfRange(first.body(), 2 + topicLength, 2 + topicLength + 4)).isEqualTo(aliasOne);
            for (int i = 0; i < 2; i++) {
                RawClient.Packet next = raw.readUntil(RawClient.PUBLISH);
                assertThat(java.util.Arrays.copyOfRange(next.body(), 0, 6)).isEqualTo(new byte[]{0, 0, 0x03, 0x23, 0, 1});
            }
        } finally {
            hive.disconnect();
        }
    }

    @Test
    void brokenAliases_andTooManyUnacknowledgedPublishes_closeWithTheirReasonCodes() throws Exception {
        try (RawClient c = new RawClient(cluster.port(1))) {
            c.send(RawClient.connect5(id("badalias"), true, 30, 0, null, null, 0, 0));
            c.readUntil(RawClient.CONNACK);
            c.send(RawClient.publish5("t", "x".getBytes(), 0, 0, new byte[]{0x23, 0, 9})); // above the maximum of 4
            assertThat(RawClient.reasonCode(c.readUntil(RawClient.DISCONNECT))).isEqualTo(0x94);
        }
        try (RawClient c = new RawClient(cluster.port(1))) {
            c.send(RawClient.connect5(id("unset"), true, 30, 0, null, null, 0, 0));
            c.readUntil(RawClient.CONNACK);
            c.send(RawClient.publish5("", "x".getBytes(), 0, 0, new byte[]{0x23, 0, 1})); // never set
            assertThat(RawClient.reasonCode(c.readUntil(RawClient.DISCONNECT))).isEqualTo(0x82);
        }
        // a persistent subscriber makes every publish wait for a store write before its PUBACK
        try (Paho5 stored = Paho5.connect(cluster.port(1), id("stored"), o -> o.setSessionExpiryInterval(300L))) {
            stored.subscribe("flood/#", 1, 0);
        }
        try (RawClient c = new RawClient(cluster.port(1))) {
            c.send(RawClient.connect5(id("flood"), true, 30, 0, null, null, 0, 0));
            c.readUntil(RawClient.CONNACK);
            java.io.ByteArrayOutputStream burst = new java.io.ByteArrayOutputStream();
            for (int i = 1; i <= 200; i++) { // ten times the receive maximum of 20, in one write
                burst.writeBytes(RawClient.publish5("flood/" + i, "x".getBytes(), 1, i, new byte[0]));
            }
            c.send(burst.toByteArray());
            assertThat(RawClient.reasonCode(c.readUntil(RawClient.DISCONNECT))).isEqualTo(0x93);
        }
        assertThat(metric(1, "mqtt_disconnects_sent_total", "reason", "topic_alias_invalid")).isGreaterThanOrEqualTo(1);
        assertThat(metric(1, "mqtt_disconnects_sent_total", "reason", "receive_maximum_exceeded")).isGreaterThanOrEqualTo(1);
    }

    @Test
    void aMessageTooLargeForTheSubscriber_isDroppedForItAndCounted_theNextOneArrives() throws Exception {
        String topic = "big/" + UUID.randomUUID();
        try (Paho5 sub = Paho5.connect(cluster.port(0), id("small"), o -> o.setMaximumPacketSize(200L));
             Paho5 pub = Paho5.connect(cluster.port(0), id("bigpub"), o -> { })) {
            sub.subscribe(topic, 1, 0);
            double before = metric(0, "mqtt_messages_dropped_total", "reason", "too_large");
            pub.publish(topic, new byte[1000], 1, false, null);
            pub.publish(topic, "small".getBytes(), 1, false, null);
            Paho5.Received r = sub.received.poll(10, TimeUnit.SECONDS);
            assertThat(r).isNotNull();
            assertThat(r.payload()).isEqualTo("small");
            assertThat(metric(0, "mqtt_messages_dropped_total", "reason", "too_large")).isEqualTo(before + 1);
        }
    }

    @Test
    void anExpiredMessage_isNotDelivered_fromAStoredQueue_norAsARetainedMessage() throws Exception {
        String topic = "expiry/" + UUID.randomUUID();
        String clientId = id("offline");
        try (Paho5 sub = Paho5.connect(cluster.port(1), clientId, o -> {
            o.setCleanStart(true);
            o.setSessionExpiryInterval(300L);
        })) {
            sub.subscribe(topic, 1, 0);
        }
        try (Paho5 pub = Paho5.connect(cluster.port(0), id("exppub"), o -> { })) {
            MqttProperties shortLived = new MqttProperties();
            shortLived.setMessageExpiryInterval(1L);
            pub.publish(topic, "short".getBytes(), 1, false, shortLived);
            pub.publish(topic, "kept".getBytes(), 1, false, null);
            pub.publish(topic + "/retained", "gone".getBytes(), 1, true, shortLived);
        }
        long published = System.currentTimeMillis();
        // the interval under test is wall-clock time: let it pass
        await().pollDelay(Duration.ofMillis(1_500)).atMost(5, TimeUnit.SECONDS).until(() -> System.currentTimeMillis() - published >= 1_500);
        try (Paho5 back = Paho5.connect(cluster.port(0), clientId, o -> {
            o.setCleanStart(false);
            o.setSessionExpiryInterval(300L);
        })) {
            Paho5.Received r = back.received.poll(10, TimeUnit.SECONDS);
            assertThat(r).isNotNull();
            assertThat(r.payload()).isEqualTo("kept");
            assertThat(back.received.poll(300, TimeUnit.MILLISECONDS)).isNull();
            back.subscribe(topic + "/retained", 1, 0);
            assertThat(back.received.poll(500, TimeUnit.MILLISECONDS)).as("expired retained message").isNull();
        }
    }

    @Test
    void disconnectWithWill_0x04_publishesTheWill_andNormalDisconnectDoesNot() throws Exception {
        String willTopic = "will/" + UUID.randomUUID();
        try (Paho5 watcher = Paho5.connect(cluster.port(1), id("watch"), o -> { })) {
            watcher.subscribe(willTopic, 1, 0);
            for (int code : new int[]{0x00, 0x04}) {
                Paho5 c = Paho5.connect(cluster.port(0), id("will" + code), o -> o.setWill(willTopic,
                        new org.eclipse.paho.mqttv5.common.MqttMessage(("code " + code).getBytes(), 1, false, null)));
                c.client.disconnect(5_000, null, null, code, new MqttProperties()).waitForCompletion(10_000);
                c.client.close(true);
            }
            Paho5.Received r = watcher.received.poll(10, TimeUnit.SECONDS);
            assertThat(r).isNotNull();
            assertThat(r.payload()).isEqualTo("code 4");
            assertThat(watcher.received.poll(300, TimeUnit.MILLISECONDS)).isNull();
        }
    }

    @Test
    void mixedLevels_a311Subscriber_getsA5Publish_withoutProperties_andA5Subscriber_getsA311Publish() throws Exception {
        String topic = "mixed/" + UUID.randomUUID();
        try (Paho v3 = Paho.connect(cluster.port(0), id("v3"), true);
             Paho5 v5 = Paho5.connect(cluster.port(1), id("v5"), o -> { })) {
            v3.client.subscribe(topic, 1);
            v5.subscribe(topic, 1, 0);
            MqttProperties props = new MqttProperties();
            props.setContentType("text/plain");
            props.setUserProperties(List.of(new UserProperty("k", "v")));
            await().atMost(10, TimeUnit.SECONDS).untilAsserted(() -> {
                v5.publish(topic, "from5".getBytes(), 1, false, props);
                assertThat(v3.received.poll(200, TimeUnit.MILLISECONDS)).isNotNull();
            });
            v3.received.clear();
            v5.received.clear();
            v3.client.publish(topic, "from311".getBytes(), 1, false);
            Paho5.Received r = v5.received.poll(10, TimeUnit.SECONDS);
            assertThat(r).isNotNull();
            assertThat(r.payload()).isEqualTo("from311");
            assertThat(r.properties().getUserProperties()).isEmpty();
            Paho.Received own = v3.received.poll(10, TimeUnit.SECONDS);
            assertThat(own).isNotNull();
            assertThat(own.payload()).isEqualTo("from311");
        }
    }

    @Test
    void anAuthPacket_onAConnectionWithoutEnhancedAuthentication_isAProtocolError() throws Exception {
        try (RawClient c = new RawClient(cluster.port(0))) {
            c.send(RawClient.connect5(id("noauth"), true, 30, 0, null, null, 0, 0));
            c.readUntil(RawClient.CONNACK);
            byte[] method = "SCRAM-SHA-512".getBytes(StandardCharsets.UTF_8);
            java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
            body.write(0x19); // re-authenticate
            body.write(3 + method.length);
            body.write(0x15); // authentication method
            body.write(0);
            body.write(method.length);
            body.writeBytes(method);
            c.send(RawClient.packet(0xF0, body.toByteArray()));
            assertThat(RawClient.reasonCode(c.readUntil(RawClient.DISCONNECT))).isEqualTo(0x82);
        }
    }

    @Test
    void disconnect_canShortenTheSessionExpiry_toZero_whichEndsTheStoredSession() throws Exception {
        String clientId = id("shorten");
        String topic = "shorten/" + UUID.randomUUID();
        Paho5 c = Paho5.connect(cluster.port(0), clientId, o -> o.setSessionExpiryInterval(300L));
        c.subscribe(topic, 1, 0);
        MqttProperties zero = new MqttProperties();
        zero.setSessionExpiryInterval(0L);
        c.client.disconnect(5_000, null, null, 0, zero).waitForCompletion(10_000);
        c.client.close(true);
        // the sweep ends it (mqtt.session-expiry-check, 1 s): a clean-start=false CONNECT then finds no session
        await().atMost(10, TimeUnit.SECONDS).untilAsserted(() -> {
            try (Paho5 back = Paho5.connect(cluster.port(1), clientId, o -> {
                o.setCleanStart(false);
                o.setSessionExpiryInterval(300L);
            })) {
                assertThat(back.connack.getSessionPresent()).isFalse();
            }
        });
    }

    @Test
    void disconnect_cannotGiveASessionWithoutExpiry_one_thatIsAProtocolError() throws Exception {
        try (RawClient c = new RawClient(cluster.port(0))) {
            c.send(RawClient.connect5(id("noexp"), true, 30, 0, null, null, 0, 0)); // session expiry 0
            c.readUntil(RawClient.CONNACK);
            // DISCONNECT, reason 0x00, properties: session expiry interval 60 [MQTT-3.14.2-2]
            c.send(RawClient.packet(0xE0, new byte[]{0x00, 5, 0x11, 0, 0, 0, 60}));
            assertThat(RawClient.reasonCode(c.readUntil(RawClient.DISCONNECT))).isEqualTo(0x82);
        }
    }

    @Test
    void responseInformation_isSentToAClientThatAsks_andConnectionsAreCountedByProtocolLevel() throws Exception {
        try (Paho5 asks = Paho5.connect(cluster.port(0), id("resp"), o -> o.setRequestResponseInfo(true));
             Paho5 silent = Paho5.connect(cluster.port(0), id("noresp"), o -> { });
             Paho v3 = Paho.connect(cluster.port(0), id("v3count"), true)) {
            assertThat(asks.connack.getResponseProperties().getResponseInfo()).isEqualTo("reply/");
            assertThat(silent.connack.getResponseProperties().getResponseInfo()).isNull();
            assertThat(metric(0, "mqtt_connections", "protocol", "5.0")).isGreaterThanOrEqualTo(2);
            assertThat(metric(0, "mqtt_connections", "protocol", "3.1.1")).isGreaterThanOrEqualTo(1);
        }
    }

    @Test
    void subscriptionOptions_noLocal_retainAsPublished_andRetainHandling() throws Exception {
        String topic = "opts/" + UUID.randomUUID();
        try (Paho5 c = Paho5.connect(cluster.port(0), id("opts"), o -> { });
             Paho5 other = Paho5.connect(cluster.port(1), id("optpub"), o -> { })) {
            other.publish(topic + "/r", "kept".getBytes(), 1, true, null);
            org.eclipse.paho.mqttv5.common.MqttSubscription noLocal = new org.eclipse.paho.mqttv5.common.MqttSubscription(topic + "/n", 1);
            noLocal.setNoLocal(true);
            c.subscribe(noLocal, 0);
            c.publish(topic + "/n", "mine".getBytes(), 1, false, null);
            other.publish(topic + "/n", "theirs".getBytes(), 1, false, null);
            Paho5.Received r = c.received.poll(10, TimeUnit.SECONDS);
            assertThat(r).isNotNull();
            assertThat(r.payload()).as("no local: its own message is not sent back").isEqualTo("theirs");

            // retain handling 2: no retained message at subscribe time; retain as published: RETAIN stays 1 on live ones
            org.eclipse.paho.mqttv5.common.MqttSubscription rh2 = new org.eclipse.paho.mqttv5.common.MqttSubscription(topic + "/r", 1);
            rh2.setRetainHandling(2);
            rh2.setRetainAsPublished(true);
            c.subscribe(rh2, 0);
            assertThat(c.received.poll(500, TimeUnit.MILLISECONDS)).as("retain handling 2").isNull();
            other.publish(topic + "/r", "live".getBytes(), 1, true, null);
            Paho5.Received live = c.received.poll(10, TimeUnit.SECONDS);
            assertThat(live).isNotNull();
            assertThat(live.message().isRetained()).as("retain as published").isTrue();

            // retain handling 1: the retained message only for a new subscription, not when it is replaced
            org.eclipse.paho.mqttv5.common.MqttSubscription rh1 = new org.eclipse.paho.mqttv5.common.MqttSubscription(topic + "/r", 1);
            rh1.setRetainHandling(1);
            c.subscribe(rh1, 0);
            assertThat(c.received.poll(500, TimeUnit.MILLISECONDS)).as("retain handling 1, existing subscription").isNull();
        }
    }

    @Test
    void aNodeWithoutQos2OrRetain_saysSoInConnack_andAClientThatUsesThemAnyway_isDisconnected() throws Exception {
        io.mqttcluster.broker.BrokerNode n = io.mqttcluster.broker.testing.TestNode.start(
                Map.of("mqtt.max-qos", "1", "mqtt.retain-available", "false"));
        try {
            Mqtt5BlockingClient c = Mqtt5Client.builder().identifier(id("limits")).serverHost("127.0.0.1")
                    .serverPort(n.mqttPort()).buildBlocking();
            Mqtt5ConnAck ack = c.connectWith().send();
            assertThat(ack.getRestrictions().getMaximumQos()).isEqualTo(MqttQos.AT_LEAST_ONCE);
            assertThat(ack.getRestrictions().isRetainAvailable()).isFalse();
            c.disconnect();
            for (boolean retain : new boolean[]{false, true}) {
                try (RawClient raw = new RawClient(n.mqttPort())) {
                    raw.send(RawClient.connect5(id("raw"), true, 30, 0, null, null, 0, 0));
                    raw.readUntil(RawClient.CONNACK);
                    raw.send(RawClient.publish5("t", "x".getBytes(), retain ? 0 : 2, retain ? 0 : 1, new byte[0], retain));
                    assertThat(RawClient.reasonCode(raw.readUntil(RawClient.DISCONNECT))).isEqualTo(retain ? 0x9A : 0x9B);
                }
            }
        } finally {
            n.close();
        }
    }

    @Test
    void aSilentClient_pastOneAndAHalfKeepAlives_getsKeepAliveTimeout0x8D() throws Exception {
        try (RawClient c = new RawClient(cluster.port(1))) {
            c.send(RawClient.connect5(id("silent"), true, 1, 0, null, null, 0, 0)); // keepalive 1 s, then nothing
            c.readUntil(RawClient.CONNACK);
            c.socket().setSoTimeout(10_000);
            RawClient.Packet d = c.readUntil(RawClient.DISCONNECT);
            assertThat(RawClient.reasonCode(d)).isEqualTo(0x8D);
        }
    }

    /** A connected raw MQTT 5 client on node {@code node}. */
    static RawClient raw5(int node, String prefix) throws Exception {
        RawClient c = new RawClient(cluster.port(node));
        c.send(RawClient.connect5(id(prefix), true, 30, 0, null, null, 0, 0));
        c.readUntil(RawClient.CONNACK);
        return c;
    }

    @Test
    void brokenPackets_closeWithMalformed0x81_invalidTopic0x90_tooLarge0x95_secondConnect0x82() throws Exception {
        try (RawClient c = raw5(0, "malformed")) {
            c.send(new byte[]{(byte) 0x80, 3, 0, 1, 0}); // SUBSCRIBE with reserved flags 0000 and no filter
            assertThat(RawClient.reasonCode(c.readUntil(RawClient.DISCONNECT))).isEqualTo(0x81);
        }
        try (RawClient c = raw5(0, "wildtopic")) {
            c.send(RawClient.publish5("a/+/b", "x".getBytes(), 0, 0, new byte[0])); // not a topic name at all
            assertThat(RawClient.reasonCode(c.readUntil(RawClient.DISCONNECT))).isEqualTo(0x81);
        }
        try (RawClient c = raw5(0, "deeptopic")) {
            // well formed, but deeper than mqtt.max-topic-levels (64): not accepted
            c.send(RawClient.publish5("l/".repeat(70) + "x", "x".getBytes(), 0, 0, new byte[0]));
            assertThat(RawClient.reasonCode(c.readUntil(RawClient.DISCONNECT))).isEqualTo(0x90);
        }
        try (RawClient c = raw5(0, "toolarge")) {
            // a PUBLISH announcing more than mqtt.max-packet-size (1 MB): refused on its header, before any body
            c.send(new byte[]{0x30, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x01}); // remaining length 2 MB
            assertThat(RawClient.reasonCode(c.readUntil(RawClient.DISCONNECT))).isEqualTo(0x95);
        }
        try (RawClient c = raw5(0, "twice")) {
            c.send(RawClient.connect5(id("twice"), true, 30, 0, null, null, 0, 0));
            assertThat(RawClient.reasonCode(c.readUntil(RawClient.DISCONNECT))).isEqualTo(0x82);
        }
    }

    @Test
    void subscribe_givesAReasonCodePerFilter_andAnInvalidOneIs0x8F() throws Exception {
        try (RawClient c = raw5(0, "suback")) {
            c.send(RawClient.subscribe5(7, "bad/#/x", 1));
            RawClient.Packet ack = c.readUntil(RawClient.SUBACK);
            assertThat(ack.body()[ack.body().length - 1] & 0xFF).isEqualTo(0x8F);
        }
    }

    @Test
    void theAclAndTheSubscriptionQuota_answer0x87And0x97_andAnUnknownPubrelGets0x92() throws Exception {
        java.nio.file.Path acl = java.nio.file.Files.createTempFile("mqtt5-acl", ".txt");
        java.nio.file.Files.writeString(acl, "allow pubsub open/#\n");
        io.mqttcluster.broker.BrokerNode n = io.mqttcluster.broker.testing.TestNode.start(Map.of("auth.acl-file", acl.toString(),
                "auth.acl-default", "deny", "mqtt.max-subscriptions-per-client", "2"));
        try (Paho5 c = Paho5.connect(n.mqttPort(), id("acl5"), o -> { })) {
            assertThat(c.subscribe("closed/#", 1, 0)).containsExactly(0x87);
            assertThat(c.publish("closed/x", "no".getBytes(), 1, false, null)).containsExactly(0x87);
            assertThat(c.subscribe("open/a", 1, 0)).containsExactly(1);
            assertThat(c.subscribe("open/b", 1, 0)).containsExactly(1);
            try (RawClient raw = new RawClient(n.mqttPort())) {
                raw.send(RawClient.connect5(id("pubrel"), true, 30, 0, null, null, 0, 0));
                raw.readUntil(RawClient.CONNACK);
                // the quota by raw socket: Paho 1.2.5 refuses a SUBACK with 0x97 as an invalid return code
                raw.send(RawClient.subscribe5(1, "open/a", 1));
                raw.readUntil(RawClient.SUBACK);
                raw.send(RawClient.subscribe5(2, "open/b", 1));
                raw.readUntil(RawClient.SUBACK);
                raw.send(RawClient.subscribe5(3, "open/c", 1));
                RawClient.Packet quota = raw.readUntil(RawClient.SUBACK);
                assertThat(quota.body()[quota.body().length - 1] & 0xFF).as("a third subscription, above the quota of 2").isEqualTo(0x97);
                raw.send(RawClient.pubrel(9)); // never received
                RawClient.Packet comp = raw.readUntil(RawClient.PUBCOMP);
                assertThat(java.util.Arrays.copyOf(comp.body(), 3)).containsExactly(0, 9, (byte) 0x92); // then properties
            }
        } finally {
            n.close();
            java.nio.file.Files.deleteIfExists(acl);
        }
    }

    @Test
    void aNodeThatStops_sendsServerShuttingDown0x8B_beforeItCloses() throws Exception {
        io.mqttcluster.broker.BrokerNode n = io.mqttcluster.broker.testing.TestNode.start();
        Paho5 c = Paho5.connect(n.mqttPort(), id("stopping"), o -> { });
        try {
            n.close();
            org.eclipse.paho.mqttv5.client.MqttDisconnectResponse r = c.disconnected.get(30, TimeUnit.SECONDS);
            assertThat(r.getReturnCode()).isEqualTo(0x8B);
        } finally {
            c.client.close(true);
        }
    }

    @Test
    void aNodeThatLosesItsQuorum_tellsItsClientsToUseAnotherServer0x9C() throws Exception {
        try (TestCluster pair = TestCluster.start(2, Map.of("cluster.size", "2", "cluster.quorum", "2"))) {
            pair.awaitMembers(2);
            Paho5 c = Paho5.connect(pair.port(0), id("minority"), o -> { });
            try {
                pair.crash(1);
                org.eclipse.paho.mqttv5.client.MqttDisconnectResponse r = c.disconnected.get(60, TimeUnit.SECONDS);
                assertThat(r.getReturnCode()).isEqualTo(0x9C);
            } finally {
                c.client.close(true);
            }
        }
    }

    @Test
    void unsubscribe_ofAFilterNeverSubscribed_says0x11() throws Exception {
        try (Paho5 c = Paho5.connect(cluster.port(0), id("unsub"), o -> { })) {
            c.subscribe("u/1", 0, 0);
            org.eclipse.paho.mqttv5.client.IMqttToken t = c.client.unsubscribe(new String[]{"u/1", "u/never"}, null, null, new MqttProperties());
            t.waitForCompletion(10_000);
            assertThat(t.getReasonCodes()).containsExactly(0x00, 0x11);
        }
    }

    // ---------------------------------------------------------------- what the Paho MQTT 5 interoperability tests check

    /** [MQTT-3.3.4-9] The broker never has more QoS 1/2 messages unacknowledged than the client's Receive Maximum. */
    @Test
    void flowControl_theBrokerSendsNoMoreUnacknowledgedThanTheClientsReceiveMaximum() throws Exception {
        try (RawClient sub = new RawClient(cluster.port(0))) {
            sub.send(RawClient.connect5(id("recvmax"), 30, new byte[]{0x21, 0, 2})); // Receive Maximum 2
            sub.readUntil(RawClient.CONNACK);
            sub.send(RawClient.subscribe5(1, "flow/t", 1));
            sub.readUntil(RawClient.SUBACK);
            Mqtt5BlockingClient pub = hivemq(1, id("flowpub"));
            for (int i = 0; i < 5; i++) {
                pub.publishWith().topic("flow/t").qos(MqttQos.AT_LEAST_ONCE).payload(("f" + i).getBytes()).send();
            }
            RawClient.Packet first = sub.readUntil(RawClient.PUBLISH);
            RawClient.Packet second = sub.readUntil(RawClient.PUBLISH);
            sub.socket().setSoTimeout(1_000);
            assertThatThrownBy(sub::read).as("a third before an acknowledgement").isInstanceOf(java.net.SocketTimeoutException.class);
            sub.socket().setSoTimeout(10_000);
            sub.send(RawClient.ack(RawClient.PUBACK, RawClient.publishPacketId(first)));
            RawClient.Packet third = sub.readUntil(RawClient.PUBLISH);
            assertThat(RawClient.publishPacketId(third)).isNotIn(RawClient.publishPacketId(second));
            pub.disconnect();
        }
    }

    /** [MQTT-4.4.0-1] A QoS 1 message not acknowledged before the connection dropped is sent again with DUP, same id. */
    @Test
    void anUnacknowledgedMessage_isSentAgainWithDup_whenTheSessionResumes() throws Exception {
        String clientId = id("redeliver5");
        int packetId;
        try (RawClient sub = new RawClient(cluster.port(0))) {
            sub.send(RawClient.connect5(clientId, true, 30, 300, null, null, 0, 0));
            sub.readUntil(RawClient.CONNACK);
            sub.send(RawClient.subscribe5(1, "redeliver5/t", 1));
            sub.readUntil(RawClient.SUBACK);
            Mqtt5BlockingClient pub = hivemq(1, id("redeliverpub"));
            pub.publishWith().topic("redeliver5/t").qos(MqttQos.AT_LEAST_ONCE).payload("again".getBytes()).send();
            pub.disconnect();
            RawClient.Packet p = sub.readUntil(RawClient.PUBLISH);
            assertThat(p.flags() & 0x08).as("DUP on the first delivery").isZero();
            packetId = RawClient.publishPacketId(p);
        } // closed without PUBACK
        try (RawClient back = new RawClient(cluster.port(1))) {
            back.send(RawClient.connect5(clientId, false, 30, 0, null, null, 0, 0));
            assertThat(back.readUntil(RawClient.CONNACK).body()[0] & 1).as("session present").isEqualTo(1);
            RawClient.Packet again = back.readUntil(RawClient.PUBLISH);
            assertThat(again.flags() & 0x08).as("DUP").isEqualTo(0x08);
            assertThat(RawClient.publishPacketId(again)).isEqualTo(packetId);
            back.send(RawClient.ack(RawClient.PUBACK, packetId));
        }
    }

    /**
     * [MQTT-3.1.3-6], [MQTT-3.2.2-16] An empty client id at 5.0, even without Clean Start, gets an id assigned in
     * CONNACK; the session it starts is resumed under that id.
     */
    @Test
    void anEmptyClientId_withoutCleanStart_getsAnAssignedId_underWhichTheSessionResumes() throws Exception {
        String assigned;
        try (RawClient c = new RawClient(cluster.port(0))) {
            c.send(RawClient.connect5("", false, 30, 300, null, null, 0, 0));
            RawClient.Packet ack = c.readUntil(RawClient.CONNACK);
            assertThat(ack.body()[1]).isZero();
            assigned = connackString(ack, 0x12);
            assertThat(assigned).isNotEmpty();
            c.send(RawClient.subscribe5(1, "assigned/t", 1));
            c.readUntil(RawClient.SUBACK);
        }
        try (RawClient back = new RawClient(cluster.port(1))) {
            back.send(RawClient.connect5(assigned, false, 30, 0, null, null, 0, 0));
            RawClient.Packet ack = back.readUntil(RawClient.CONNACK);
            assertThat(ack.body()[0] & 1).as("session present under the assigned id").isEqualTo(1);
            assertThat(connackString(ack, 0x12)).as("no new id for a client that has one").isNull();
        }
    }

    /**
     * [MQTT-4.7.2-1] Topics starting with $ are the server's: a client's PUBLISH to one is refused with 0x87 and
     * reaches no one, not even a subscriber to {@code #} or {@code +/x} (which would not match it anyway).
     */
    @Test
    void aPublishToADollarTopic_isRefusedWith0x87_andReachesNoWildcardSubscriber() throws Exception {
        Mqtt5BlockingClient sub = hivemq(0, id("dollar"));
        try (var publishes = sub.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL)) {
            sub.subscribeWith().topicFilter("#").qos(MqttQos.AT_LEAST_ONCE)
                    .retainHandling(com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5RetainHandling.DO_NOT_SEND).send();
            sub.subscribeWith().topicFilter("+/x").qos(MqttQos.AT_LEAST_ONCE)
                    .retainHandling(com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5RetainHandling.DO_NOT_SEND).send();
            Mqtt5BlockingClient pub = hivemq(1, id("dollarpub"));
            assertThatThrownBy(() -> pub.publishWith().topic("$test/x").qos(MqttQos.AT_LEAST_ONCE).payload("hidden".getBytes()).send())
                    .isInstanceOfSatisfying(com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException.class,
                            e -> assertThat(e.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED));
            pub.publishWith().topic("plain/x").qos(MqttQos.AT_LEAST_ONCE).payload("seen".getBytes()).send();
            pub.disconnect();
            // one publisher, one subscriber, retained messages of other tests not sent: in order, so "$test/x"
            // would have come first
            assertThat(publishes.receive(10, TimeUnit.SECONDS).orElseThrow().getTopic().toString()).isEqualTo("plain/x");
        } finally {
            sub.disconnect();
        }
    }

    /** A string property of a CONNACK (MQTT 5), or null. */
    static String connackString(RawClient.Packet connack, int property) {
        byte[] b = connack.body();
        int i = 2;
        int len = 0;
        int shift = 0;
        while (true) {
            int v = b[i++] & 0xFF;
            len |= (v & 0x7F) << shift;
            shift += 7;
            if ((v & 0x80) == 0) {
                break;
            }
        }
        int end = i + len;
        while (i < end) {
            int id = b[i++] & 0xFF;
            switch (id) {
                case 0x11, 0x27 -> i += 4; // session expiry, maximum packet size
                case 0x21, 0x22, 0x13 -> i += 2; // receive maximum, topic alias maximum, server keep alive
                case 0x24, 0x25, 0x28, 0x29, 0x2A -> i += 1;
                case 0x12, 0x1A, 0x1C, 0x1F, 0x15 -> {
                    int n = ((b[i] & 0xFF) << 8) | (b[i + 1] & 0xFF);
                    String value = new String(b, i + 2, n, StandardCharsets.UTF_8);
                    if (id == property) {
                        return value;
                    }
                    i += 2 + n;
                }
                case 0x26 -> { // user property: two strings
                    for (int k = 0; k < 2; k++) {
                        i += 2 + (((b[i] & 0xFF) << 8) | (b[i + 1] & 0xFF));
                    }
                }
                default -> throw new AssertionError("unexpected CONNACK property " + id);
            }
        }
        return null;
    }
}
