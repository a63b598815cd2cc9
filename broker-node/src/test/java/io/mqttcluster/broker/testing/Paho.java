package io.mqttcluster.broker.testing;

import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** An Eclipse Paho v3 client that collects what it receives. */
public final class Paho implements AutoCloseable {

    /** A received message. */
    public record Received(String topic, String payload, int qos, boolean retained, boolean dup) {
    }

    public final MqttClient client;
    public final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
    public volatile Throwable lost;

    private Paho(MqttClient client) {
        this.client = client;
    }

    public static Paho connect(int port, String clientId, boolean cleanSession) throws MqttException {
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(cleanSession);
        o.setKeepAliveInterval(30);
        o.setAutomaticReconnect(false);
        o.setMaxInflight(1000);
        return connect(port, clientId, o);
    }

    public static Paho connect(int port, String clientId, MqttConnectOptions options) throws MqttException {
        return connect("127.0.0.1", port, clientId, options);
    }

    public static Paho connect(String host, int port, String clientId, boolean cleanSession) throws MqttException {
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(cleanSession);
        o.setKeepAliveInterval(30);
        o.setAutomaticReconnect(false);
        o.setMaxInflight(1000);
        o.setConnectionTimeout(5);
        return connect(host, port, clientId, o);
    }

    public static Paho connect(String host, int port, String clientId, MqttConnectOptions options) throws MqttException {
        return connectUri("tcp://" + host + ":" + port, clientId, options);
    }

    /** Any Paho server URI: {@code tcp://}, {@code ssl://}, {@code ws://host:port/path}, {@code wss://...}. */
    public static Paho connectUri(String uri, String clientId, MqttConnectOptions options) throws MqttException {
        MqttClient c = new MqttClient(uri, clientId, new MemoryPersistence());
        Paho p = new Paho(c);
        c.setCallback(new MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
                p.lost = cause;
            }

            @Override
            public void messageArrived(String topic, MqttMessage message) {
                p.received.add(new Received(topic, new String(message.getPayload(), StandardCharsets.UTF_8),
                        message.getQos(), message.isRetained(), message.isDuplicate()));
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {
            }
        });
        c.setTimeToWait(10_000);
        c.connect(options);
        return p;
    }

    public Paho subscribe(String filter, int qos) throws MqttException {
        client.subscribe(filter, qos);
        return this;
    }

    /** Subscribes and returns what the SUBACK granted (128 = 0x80, refused). */
    public int subscribeGranted(String filter, int qos) throws MqttException {
        return client.subscribeWithResponse(filter, qos).getGrantedQos()[0];
    }

    public void publish(String topic, String payload, int qos, boolean retain) throws MqttException {
        client.publish(topic, payload.getBytes(StandardCharsets.UTF_8), qos, retain);
    }

    /** The next message, or null after the timeout. */
    public Received next(long millis) throws InterruptedException {
        return received.poll(millis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        try {
            if (client.isConnected()) {
                client.disconnect(2000);
            }
        } catch (MqttException ignored) {
            // best effort
        }
        try {
            client.close(true);
        } catch (MqttException ignored) {
            // best effort
        }
    }
}
