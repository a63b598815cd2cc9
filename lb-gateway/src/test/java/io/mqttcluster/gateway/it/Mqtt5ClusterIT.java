package io.mqttcluster.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.datatypes.MqttUtf8String;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientConfig;
import com.hivemq.client.mqtt.mqtt5.auth.Mqtt5EnhancedAuthMechanism;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5Auth;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5AuthBuilder;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5EnhancedAuthBuilder;
import com.hivemq.client.mqtt.mqtt5.message.connect.Mqtt5Connect;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5Disconnect;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import io.mqttcluster.gateway.Gateway;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * MQTT 5.0 end to end as a user runs it: three broker-node processes behind the gateway, clients of two libraries
 * (Eclipse Paho and HiveMQ) connecting through the one address, a publisher and its subscribers hashed to different
 * nodes. What crosses nodes: the PUBLISH properties, message expiry, subscription identifiers, topic aliases (towards a
 * HiveMQ client: Paho 1.2.5 does not resolve the aliases it receives), will
 * delay, a 3.1.1 subscriber next to 5.0 ones; and enhanced authentication (SCRAM-SHA-512 AUTH exchanges) through
 * the gateway to the node that checks it.
 */
@Timeout(300)
class Mqtt5ClusterIT {

    @TempDir
    static Path dir;
    static BrokerNodes cluster;
    static Gateways gateways;
    static Gateway gateway;
    static List<String> keys;

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue(BrokerNodes.available(), "broker-node.jar not built");
        Path passwd = dir.resolve("passwd");
        Files.writeString(passwd, "truck:" + mosquittoHash("s3cret", 1000) + "\n");
        cluster = BrokerNodes.plan(3, false);
        cluster.extraArgs.addAll(List.of("--set", "auth.password-file=" + passwd, "--set", "auth.enhanced-methods=SCRAM-SHA-512",
                "--set", "mqtt.outbound-topic-aliases=8"));
        cluster.startAll();
        gateways = new Gateways();
        gateway = gateways.start(BrokerClusterIT.options(cluster.entries()));
        keys = cluster.keys();
        BrokerClusterIT.awaitUp(gateway, keys);
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateways != null) {
            gateways.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    /** An id "prefix-N" that the gateway hashes to node {@code node}. */
    static String idOn(int node, String prefix) {
        return Clients.idHashingTo(keys.get(node), keys, prefix + "-");
    }

    /** A Paho MQTTv5 client through the gateway that collects its messages. */
    static final class Paho implements MqttCallback, AutoCloseable {
        final MqttAsyncClient client;
        final BlockingQueue<String[]> topics = new LinkedBlockingQueue<>();
        final BlockingQueue<MqttMessage> messages = new LinkedBlockingQueue<>();

        Paho(String id, java.util.function.Consumer<MqttConnectionOptions> options) throws MqttException {
            client = new MqttAsyncClient("tcp://127.0.0.1:" + gateway.mqttPort(), id, new MemoryPersistence());
            client.setCallback(this);
            MqttConnectionOptions o = new MqttConnectionOptions();
            o.setCleanStart(true);
            o.setSessionExpiryInterval(0L);
            o.setAutomaticReconnect(false);
            options.accept(o);
            client.connect(o).waitForCompletion(20_000);
        }

        void subscribe(String filter, int qos, int subscriptionId) throws MqttException {
            MqttProperties p = new MqttProperties();
            if (subscriptionId > 0) {
                p.setSubscriptionIdentifier(subscriptionId);
            }
            client.subscribe(new MqttSubscription[]{new MqttSubscription(filter, qos)}, null, null, p).waitForCompletion(20_000);
        }

        MqttMessage next(String[] topic) throws InterruptedException {
            MqttMessage m = messages.poll(20, TimeUnit.SECONDS);
            String[] t = topics.poll(1, TimeUnit.SECONDS);
            if (topic != null && t != null) {
                topic[0] = t[0];
            }
            return m;
        }

        @Override
        public void messageArrived(String topic, MqttMessage m) {
            topics.add(new String[]{topic});
            messages.add(m);
        }

        @Override
        public void disconnected(MqttDisconnectResponse r) {
        }

        @Override
        public void mqttErrorOccurred(MqttException e) {
        }

        @Override
        public void deliveryComplete(IMqttToken t) {
        }

        @Override
        public void connectComplete(boolean reconnect, String uri) {
        }

        @Override
        public void authPacketArrived(int reasonCode, MqttProperties p) {
        }

        @Override
        public void close() throws MqttException {
            if (client.isConnected()) {
                client.disconnect(5_000).waitForCompletion(10_000);
            }
            client.close(true);
        }
    }

    static Paho paho(String id, java.util.function.Consumer<MqttConnectionOptions> more) throws MqttException {
        return new Paho(id, o -> {
            o.setUserName("truck");
            o.setPassword("s3cret".getBytes(StandardCharsets.UTF_8));
            more.accept(o);
        });
    }

    @Test
    void propertiesExpiryIdentifiersAndAliases_crossNodes_andA311SubscriberGetsThePlainMessage() throws Exception {
        String topic = "e2e5/" + UUID.randomUUID();
        // Paho 1.2.5 does not resolve topic aliases it receives: the alias subscriber is HiveMQ's client
        Mqtt5BlockingClient hive = Mqtt5Client.builder().identifier(idOn(2, "alias5")).serverHost("127.0.0.1")
                .serverPort(gateway.mqttPort()).buildBlocking();
        hive.connectWith().simpleAuth().username("truck").password("s3cret".getBytes()).applySimpleAuth()
                .restrictions().topicAliasMaximum(4).applyRestrictions().send();
        try (Paho sub = paho(idOn(1, "sub5"), o -> { });
             Paho pub = paho(idOn(0, "pub5"), o -> { });
             Mqtt5BlockingClient.Mqtt5Publishes hiveGot = hive.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL)) {
            org.eclipse.paho.client.mqttv3.MqttClient v3 = new org.eclipse.paho.client.mqttv3.MqttClient(
                    "tcp://127.0.0.1:" + gateway.mqttPort(), idOn(2, "sub311"), new org.eclipse.paho.client.mqttv3.persist.MemoryPersistence());
            BlockingQueue<org.eclipse.paho.client.mqttv3.MqttMessage> v3got = new LinkedBlockingQueue<>();
            org.eclipse.paho.client.mqttv3.MqttConnectOptions o3 = Clients.options();
            o3.setUserName("truck");
            o3.setPassword("s3cret".toCharArray());
            v3.connect(o3);
            try {
                v3.subscribe(topic + "/#", 1, (t, m) -> v3got.add(m));
                hive.subscribeWith().topicFilter(topic + "/x").qos(MqttQos.AT_LEAST_ONCE).send();
                sub.subscribe(topic + "/+", 1, 11);
                sub.subscribe(topic + "/#", 1, 12);
                assertThat(cluster.whereIs(sub.client.getClientId())).isEqualTo(1);
                assertThat(cluster.whereIs(pub.client.getClientId())).isEqualTo(0);
                assertThat(cluster.whereIs(v3.getClientId())).isEqualTo(2);
                // the routes reach node 0 within moments of the SUBACKs: probe until a message arrives
                await().atMost(20, TimeUnit.SECONDS).until(() -> {
                    pub.client.publish(topic + "/probe", new MqttMessage("p".getBytes(), 1, false, new MqttProperties()))
                            .waitForCompletion(10_000);
                    return sub.messages.poll(300, TimeUnit.MILLISECONDS) != null && v3got.poll(300, TimeUnit.MILLISECONDS) != null;
                });
                sub.messages.clear();
                sub.topics.clear();
                v3got.clear();

                for (int i = 0; i < 3; i++) { // the same topic three times: the broker gives it an alias towards sub
                    MqttProperties p = new MqttProperties();
                    p.setContentType("application/json");
                    p.setResponseTopic("replies/" + i);
                    p.setCorrelationData(("c" + i).getBytes());
                    p.setMessageExpiryInterval(300L);
                    p.setUserProperties(List.of(new UserProperty("b", "1"), new UserProperty("a", "2")));
                    pub.client.publish(topic + "/x", new MqttMessage(("{\"n\":" + i + "}").getBytes(), 1, false, p))
                            .waitForCompletion(10_000);
                }
                for (int i = 0; i < 3; i++) {
                    String[] t = new String[1];
                    MqttMessage m = sub.next(t);
                    assertThat(m).as("message %d", i).isNotNull();
                    assertThat(t[0]).isEqualTo(topic + "/x");
                    assertThat(new String(m.getPayload())).isEqualTo("{\"n\":" + i + "}");
                    MqttProperties p = m.getProperties();
                    assertThat(p.getContentType()).isEqualTo("application/json");
                    assertThat(p.getResponseTopic()).isEqualTo("replies/" + i);
                    assertThat(new String(p.getCorrelationData())).isEqualTo("c" + i);
                    assertThat(p.getMessageExpiryInterval()).isBetween(290L, 300L);
                    assertThat(p.getUserProperties()).extracting(UserProperty::getKey).containsExactly("b", "a");
                    assertThat(p.getSubscriptionIdentifiers()).containsExactlyInAnyOrder(11, 12);
                    org.eclipse.paho.client.mqttv3.MqttMessage plain = v3got.poll(20, TimeUnit.SECONDS);
                    assertThat(plain).isNotNull();
                    assertThat(new String(plain.getPayload())).isEqualTo("{\"n\":" + i + "}");
                }
                assertThat(sub.messages.poll(300, TimeUnit.MILLISECONDS)).as("one copy each").isNull();
                for (int i = 0; i < 3; i++) { // the node gave the topic an alias towards this client; it resolves it
                    com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish m = hiveGot.receive(20, TimeUnit.SECONDS).orElseThrow();
                    assertThat(m.getTopic().toString()).isEqualTo(topic + "/x");
                    assertThat(new String(m.getPayloadAsBytes())).isEqualTo("{\"n\":" + i + "}");
                }
            } finally {
                v3.disconnect();
                v3.close();
            }
        } finally {
            hive.disconnect();
        }
    }

    @Test
    void aDelayedWill_crossesNodes_afterItsDelay() throws Exception {
        String willTopic = "e2e5-will/" + UUID.randomUUID();
        try (Paho watcher = paho(idOn(2, "watch5"), o -> { })) {
            watcher.subscribe(willTopic, 1, 0);
            Mqtt5BlockingClient dying = Mqtt5Client.builder().identifier(idOn(0, "will5")).serverHost("127.0.0.1")
                    .serverPort(gateway.mqttPort()).buildBlocking();
            dying.connectWith().cleanStart(true).sessionExpiryInterval(60)
                    .simpleAuth().username("truck").password("s3cret".getBytes()).applySimpleAuth()
                    .willPublish().topic(willTopic).payload("gone".getBytes()).qos(MqttQos.AT_LEAST_ONCE).delayInterval(2)
                    .contentType("text/plain").applyWillPublish()
                    .send();
            long closedAt = System.nanoTime();
            dying.disconnectWith().reasonCode(Mqtt5DisconnectReasonCode.DISCONNECT_WITH_WILL_MESSAGE).send();
            MqttMessage will = watcher.messages.poll(30, TimeUnit.SECONDS);
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closedAt);
            assertThat(will).isNotNull();
            assertThat(new String(will.getPayload())).isEqualTo("gone");
            assertThat(will.getProperties().getContentType()).isEqualTo("text/plain");
            assertThat(tookMs).as("published after its 2 s delay").isGreaterThanOrEqualTo(1_900);
        }
    }

    @Test
    void scramSha512_throughTheGateway_toTheNodeThatChecksIt() throws Exception {
        String id = idOn(1, "scram5");
        Scram mechanism = new Scram("truck", "s3cret");
        Mqtt5BlockingClient c = Mqtt5Client.builder().identifier(id).serverHost("127.0.0.1").serverPort(gateway.mqttPort())
                .buildBlocking();
        Mqtt5ConnAck ack = c.connectWith().enhancedAuth(mechanism).send();
        try {
            assertThat(ack.getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.SUCCESS);
            assertThat(mechanism.serverProven.get(5, TimeUnit.SECONDS)).as("the node proved it knew the password").isTrue();
            assertThat(cluster.whereIs(id)).isEqualTo(1);
            c.toAsync().reauth().get(20, TimeUnit.SECONDS); // AUTH 0x19 / 0x18 / 0x00 through the splice
            c.publishWith().topic("e2e5/after-auth").payload("ok".getBytes()).send();
        } finally {
            c.disconnect();
        }
        Mqtt5BlockingClient wrong = Mqtt5Client.builder().identifier(idOn(2, "scram5-bad")).serverHost("127.0.0.1")
                .serverPort(gateway.mqttPort()).buildBlocking();
        try {
            wrong.connectWith().enhancedAuth(new Scram("truck", "nope")).send();
            throw new AssertionError("a wrong password was accepted");
        } catch (com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException e) {
            assertThat(e.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD);
        }
    }

    // ---------------------------------------------------------------- SCRAM-SHA-512, client side (RFC 5802)

    /** What Mosquitto's and broker-node's passwd write: $7$iterations$salt$PBKDF2-HMAC-SHA512(password). */
    static String mosquittoHash(String password, int iterations) throws Exception {
        byte[] salt = new byte[12];
        new SecureRandom().nextBytes(salt);
        return "$7$" + iterations + "$" + Base64.getEncoder().encodeToString(salt) + "$"
                + Base64.getEncoder().encodeToString(pbkdf2(password, salt, iterations));
    }

    static byte[] pbkdf2(String password, byte[] salt, int iterations) throws Exception {
        return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA512")
                .generateSecret(new PBEKeySpec(password.toCharArray(), salt, iterations, 512)).getEncoded();
    }

    static byte[] hmac(byte[] key, String data) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA512");
        mac.init(new SecretKeySpec(key, "HmacSHA512"));
        return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    }

    /** SCRAM-SHA-512 as the HiveMQ client's enhanced authentication, for CONNECT and for re-authentication. */
    static final class Scram implements Mqtt5EnhancedAuthMechanism {
        final String user;
        final String password;
        final CompletableFuture<Boolean> serverProven = new CompletableFuture<>();
        String clientFirstBare;
        byte[] expectedServerSignature;

        Scram(String user, String password) {
            this.user = user;
            this.password = password;
        }

        byte[] clientFirst() {
            clientFirstBare = "n=" + user + ",r=" + UUID.randomUUID().toString().replace("-", "");
            return ("n,," + clientFirstBare).getBytes(StandardCharsets.UTF_8);
        }

        byte[] clientFinal(byte[] serverFirstBytes) throws Exception {
            String serverFirst = new String(serverFirstBytes, StandardCharsets.UTF_8);
            Map<String, String> a = new HashMap<>();
            for (String kv : serverFirst.split(",")) {
                a.put(kv.substring(0, 1), kv.substring(2));
            }
            byte[] salted = pbkdf2(password, Base64.getDecoder().decode(a.get("s")), Integer.parseInt(a.get("i")));
            byte[] clientKey = hmac(salted, "Client Key");
            byte[] storedKey = MessageDigest.getInstance("SHA-512").digest(clientKey);
            String withoutProof = "c=biws,r=" + a.get("r");
            String authMessage = clientFirstBare + "," + serverFirst + "," + withoutProof;
            byte[] signature = hmac(storedKey, authMessage);
            byte[] proof = new byte[clientKey.length];
            for (int i = 0; i < proof.length; i++) {
                proof[i] = (byte) (clientKey[i] ^ signature[i]);
            }
            expectedServerSignature = hmac(hmac(salted, "Server Key"), authMessage);
            return (withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof)).getBytes(StandardCharsets.UTF_8);
        }

        static byte[] bytes(ByteBuffer b) {
            byte[] out = new byte[b.remaining()];
            b.duplicate().get(out);
            return out;
        }

        @Override
        public MqttUtf8String getMethod() {
            return MqttUtf8String.of("SCRAM-SHA-512");
        }

        @Override
        public int getTimeout() {
            return 20;
        }

        @Override
        public CompletableFuture<Void> onAuth(Mqtt5ClientConfig config, Mqtt5Connect connect, Mqtt5EnhancedAuthBuilder auth) {
            auth.data(clientFirst());
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<Void> onReAuth(Mqtt5ClientConfig config, Mqtt5AuthBuilder auth) {
            auth.data(clientFirst());
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<Boolean> onContinue(Mqtt5ClientConfig config, Mqtt5Auth auth, Mqtt5AuthBuilder next) {
            try {
                next.data(clientFinal(bytes(auth.getData().orElseThrow())));
                return CompletableFuture.completedFuture(true);
            } catch (Exception e) {
                return CompletableFuture.failedFuture(e);
            }
        }

        @Override
        public CompletableFuture<Boolean> onAuthSuccess(Mqtt5ClientConfig config, Mqtt5ConnAck connAck) {
            boolean ok = connAck.getEnhancedAuth().flatMap(e -> e.getData())
                    .map(d -> new String(bytes(d), StandardCharsets.UTF_8)
                            .equals("v=" + Base64.getEncoder().encodeToString(expectedServerSignature)))
                    .orElse(false);
            serverProven.complete(ok);
            return CompletableFuture.completedFuture(ok);
        }

        @Override
        public CompletableFuture<Boolean> onReAuthSuccess(Mqtt5ClientConfig config, Mqtt5Auth auth) {
            return CompletableFuture.completedFuture(true);
        }

        @Override
        public void onAuthRejected(Mqtt5ClientConfig config, Mqtt5ConnAck connAck) {
        }

        @Override
        public void onReAuthRejected(Mqtt5ClientConfig config, Mqtt5Disconnect disconnect) {
        }

        @Override
        public void onAuthError(Mqtt5ClientConfig config, Throwable cause) {
        }

        @Override
        public void onReAuthError(Mqtt5ClientConfig config, Throwable cause) {
        }
    }
}
