package io.mqttcluster.broker.testing;

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

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;

/** An Eclipse Paho MQTT 5 client that collects what it receives and how the server disconnected it. */
public final class Paho5 implements MqttCallback, AutoCloseable {

    private static final long WAIT_MS = 10_000;

    /** A received message with its properties. */
    public record Received(String topic, MqttMessage message) {
        public String payload() {
            return new String(message.getPayload());
        }

        public MqttProperties properties() {
            return message.getProperties();
        }
    }

    public final MqttAsyncClient client;
    public final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
    /** Completes when the server ends the connection: the DISCONNECT's reason code, or the exception. */
    public final CompletableFuture<MqttDisconnectResponse> disconnected = new CompletableFuture<>();
    public IMqttToken connack;

    private Paho5(MqttAsyncClient client) {
        this.client = client;
    }

    /** A clean-start client with session expiry 0 and keepalive 30 s; {@code options} may change anything. */
    public static Paho5 connect(int port, String clientId, Consumer<MqttConnectionOptions> options) throws MqttException {
        Paho5 p = new Paho5(new MqttAsyncClient("tcp://127.0.0.1:" + port, clientId, new MemoryPersistence()));
        p.client.setCallback(p);
        MqttConnectionOptions o = new MqttConnectionOptions();
        o.setCleanStart(true);
        o.setSessionExpiryInterval(0L);
        o.setKeepAliveInterval(30);
        o.setAutomaticReconnect(false);
        o.setConnectionTimeout(10);
        options.accept(o);
        p.connack = p.client.connect(o);
        p.connack.waitForCompletion(WAIT_MS);
        return p;
    }

    /** SUBSCRIBE with a subscription identifier (0: none); returns the SUBACK's reason codes. */
    public int[] subscribe(String filter, int qos, int subscriptionId) throws MqttException {
        return subscribe(new MqttSubscription(filter, qos), subscriptionId);
    }

    public int[] subscribe(MqttSubscription subscription, int subscriptionId) throws MqttException {
        MqttProperties props = new MqttProperties();
        if (subscriptionId > 0) {
            props.setSubscriptionIdentifier(subscriptionId);
        }
        IMqttToken t = client.subscribe(new MqttSubscription[]{subscription}, null, null, props);
        t.waitForCompletion(WAIT_MS);
        return t.getReasonCodes();
    }

    /** PUBLISH and wait for its acknowledgement; returns the PUBACK / PUBREC reason codes (QoS 0: none). */
    public int[] publish(String topic, byte[] payload, int qos, boolean retain, MqttProperties props) throws MqttException {
        MqttMessage m = new MqttMessage(payload, qos, retain, props == null ? new MqttProperties() : props);
        IMqttToken t = client.publish(topic, m);
        t.waitForCompletion(WAIT_MS);
        return t.getReasonCodes();
    }

    @Override
    public void disconnected(MqttDisconnectResponse r) {
        disconnected.complete(r);
    }

    @Override
    public void mqttErrorOccurred(MqttException e) {
    }

    @Override
    public void messageArrived(String topic, MqttMessage m) {
        received.add(new Received(topic, m));
    }

    @Override
    public void deliveryComplete(IMqttToken token) {
    }

    @Override
    public void connectComplete(boolean reconnect, String uri) {
    }

    @Override
    public void authPacketArrived(int reasonCode, MqttProperties properties) {
    }

    @Override
    public void close() {
        try {
            if (client.isConnected()) {
                client.disconnect(5_000).waitForCompletion(WAIT_MS);
            }
            client.close(true);
        } catch (MqttException ignored) {
            // the test is over
        }
    }
}
