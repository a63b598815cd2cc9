package io.mqttcluster.broker.it;

import com.hivemq.client.mqtt.datatypes.MqttUtf8String;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientConfig;
import com.hivemq.client.mqtt.mqtt5.auth.Mqtt5EnhancedAuthMechanism;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5Auth;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5AuthBuilder;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5EnhancedAuthBuilder;
import com.hivemq.client.mqtt.mqtt5.message.connect.Mqtt5Connect;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5Disconnect;
import io.mqttcluster.broker.BrokerNode;
import io.mqttcluster.broker.auth.PasswordFile;
import io.mqttcluster.broker.auth.PasswordHash;
import io.mqttcluster.broker.auth.ScramTestClient;
import io.mqttcluster.broker.testing.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * MQTT 5 enhanced authentication with the HiveMQ client's own AUTH flow: SCRAM-SHA-512 against the password file,
 * a wrong password, an unknown method (0x8C), and a node that offers no method.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EnhancedAuthIT {

    @TempDir
    static Path dir;
    static BrokerNode scram;
    static BrokerNode plain;

    @BeforeAll
    static void start() throws Exception {
        Path file = dir.resolve("passwd");
        PasswordFile.update(file, "truck", PasswordHash.create("s3cret".getBytes(StandardCharsets.UTF_8), 1000));
        scram = TestNode.start(Map.of("auth.allow-anonymous", "false", "auth.password-file", file.toString(),
                "auth.enhanced-methods", "SCRAM-SHA-512"));
        plain = TestNode.start(Map.of("auth.allow-anonymous", "false", "auth.password-file", file.toString()));
    }

    @AfterAll
    static void stop() {
        for (BrokerNode n : new BrokerNode[]{scram, plain}) {
            if (n != null) {
                n.close();
            }
        }
    }

    /** SCRAM-SHA-512 as the HiveMQ client's enhanced auth mechanism: client-first, client-final, server-final. */
    static final class Scram implements Mqtt5EnhancedAuthMechanism {
        final String method;
        final ScramTestClient scram;
        final AtomicBoolean serverProven = new AtomicBoolean();

        Scram(String method, String user, String password) {
            this.method = method;
            this.scram = new ScramTestClient(user, password);
        }

        @Override
        public MqttUtf8String getMethod() {
            return MqttUtf8String.of(method);
        }

        @Override
        public int getTimeout() {
            return 10;
        }

        @Override
        public CompletableFuture<Void> onAuth(Mqtt5ClientConfig config, Mqtt5Connect connect, Mqtt5EnhancedAuthBuilder auth) {
            auth.data(scram.clientFirst());
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<Void> onReAuth(Mqtt5ClientConfig config, Mqtt5AuthBuilder auth) {
            auth.data(scram.clientFirst());
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<Boolean> onContinue(Mqtt5ClientConfig config, Mqtt5Auth auth, Mqtt5AuthBuilder next) {
            next.data(scram.clientFinal(bytes(auth.getData().orElseThrow())));
            return CompletableFuture.completedFuture(true);
        }

        @Override
        public CompletableFuture<Boolean> onAuthSuccess(Mqtt5ClientConfig config, Mqtt5ConnAck connAck) {
            serverProven.set(connAck.getEnhancedAuth().flatMap(a -> a.getData()).map(d -> scram.serverFinalIsValid(bytes(d))).orElse(false));
            return CompletableFuture.completedFuture(serverProven.get());
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

        static byte[] bytes(ByteBuffer b) {
            byte[] out = new byte[b.remaining()];
            b.duplicate().get(out);
            return out;
        }
    }

    static Mqtt5BlockingClient client(BrokerNode node) {
        return Mqtt5Client.builder().identifier("auth-" + UUID.randomUUID()).serverHost("127.0.0.1")
                .serverPort(node.mqttPort()).buildBlocking();
    }

    @Test
    void scramSha512_againstThePasswordFile_connects_andTheServerProvesItKnewThePassword() {
        Mqtt5BlockingClient c = client(scram);
        Scram mechanism = new Scram("SCRAM-SHA-512", "truck", "s3cret");
        Mqtt5ConnAck ack = c.connectWith().enhancedAuth(mechanism).send();
        try {
            assertThat(ack.getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.SUCCESS);
            assertThat(ack.getEnhancedAuth().orElseThrow().getMethod()).isEqualTo(MqttUtf8String.of("SCRAM-SHA-512"));
            assertThat(mechanism.serverProven).isTrue();
            c.publishWith().topic("t/auth").payload("ok".getBytes()).send(); // the connection works
        } finally {
            c.disconnect();
        }
    }

    @Test
    void aWrongPassword_isRefused_withBadUserNameOrPassword() {
        Mqtt5BlockingClient c = client(scram);
        assertThatThrownBy(() -> c.connectWith().enhancedAuth(new Scram("SCRAM-SHA-512", "truck", "wrong")).send())
                .isInstanceOfSatisfying(Mqtt5ConnAckException.class, e ->
                        assertThat(e.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD));
    }

    @Test
    void aMethodTheNodeDoesNotOffer_getsBadAuthenticationMethod() {
        for (BrokerNode node : new BrokerNode[]{scram, plain}) {
            Mqtt5BlockingClient c = client(node);
            String method = node == scram ? "SCRAM-SHA-1" : "SCRAM-SHA-512";
            assertThatThrownBy(() -> c.connectWith().enhancedAuth(new Scram(method, "truck", "s3cret")).send())
                    .isInstanceOfSatisfying(Mqtt5ConnAckException.class, e ->
                            assertThat(e.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.BAD_AUTHENTICATION_METHOD));
        }
    }

    @Test
    void reauthentication_onTheSameConnection_succeeds() throws Exception {
        Mqtt5BlockingClient c = client(scram);
        c.connectWith().enhancedAuth(new Scram("SCRAM-SHA-512", "truck", "s3cret")).send();
        try {
            c.toAsync().reauth().get(10, TimeUnit.SECONDS);
            assertThat(c.getState().isConnected()).isTrue();
            c.publishWith().topic("t/reauth").payload("still here".getBytes()).send();
        } finally {
            c.disconnect();
        }
    }
}
