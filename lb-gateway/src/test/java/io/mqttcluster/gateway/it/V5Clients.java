package io.mqttcluster.gateway.it;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5Disconnect;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

/**
 * MQTT 5.0 clients of two libraries (Eclipse Paho and HiveMQ) connected through the gateway, each reporting how
 * its connection ended: the reason code of the server's DISCONNECT as the library decoded it, or {@link #NO_DISCONNECT}
 * when the connection closed without one. No automatic reconnect: the tests reconnect themselves.
 */
final class V5Clients implements AutoCloseable {
    /** The connection closed without a DISCONNECT packet. */
    static final int NO_DISCONNECT = -1;

    /** One connected client; {@code ended} completes with the DISCONNECT's reason code (and reason string). */
    record Client(String id, String library, CompletableFuture<Ended> ended, AutoCloseable closer) {
    }

    /** How a connection ended: the reason code of the server's DISCONNECT, and its Reason String (or null). */
    record Ended(int reasonCode, String reasonString) {
    }

    private final List<Client> all = new ArrayList<>();

    /** Paho MQTTv5, clean start. */
    Client paho(int port, String id) throws MqttException {
        CompletableFuture<Ended> ended = new CompletableFuture<>();
        org.eclipse.paho.mqttv5.client.MqttClient c = new org.eclipse.paho.mqttv5.client.MqttClient(
                "tcp://127.0.0.1:" + port, id, new MemoryPersistence());
        c.setCallback(new MqttCallback() {
            @Override
            public void disconnected(MqttDisconnectResponse r) {
                // Paho reports a lost TCP connection here too, with an exception and no server DISCONNECT
                boolean fromServer = r.getException() == null;
                ended.complete(new Ended(fromServer ? r.getReturnCode() : NO_DISCONNECT, r.getReasonString()));
            }

            @Override
            public void mqttErrorOccurred(MqttException e) {
            }

            @Override
            public void messageArrived(String topic, MqttMessage m) {
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
        });
        MqttConnectionOptions o = new MqttConnectionOptions();
        o.setCleanStart(true);
        o.setConnectionTimeout(20);
        o.setKeepAliveInterval(60);
        o.setAutomaticReconnect(false);
        c.connect(o);
        Client client = new Client(id, "paho", ended, () -> {
            try {
                if (c.isConnected()) {
                    c.disconnectForcibly(0, 1000, false);
                }
            } finally {
                c.close(true);
            }
        });
        add(client);
        return client;
    }

    /** HiveMQ MQTT client, MQTT 5, clean start. */
    Client hivemq(int port, String id) {
        CompletableFuture<Ended> ended = new CompletableFuture<>();
        Mqtt5BlockingClient c = MqttClient.builder().useMqttVersion5().identifier(id)
                .serverHost("127.0.0.1").serverPort(port)
                .addDisconnectedListener(ctx -> {
                    if (ctx.getCause() instanceof Mqtt5DisconnectException d) {
                        Mqtt5Disconnect packet = d.getMqttMessage();
                        ended.complete(new Ended(packet.getReasonCode().getCode(),
                                packet.getReasonString().map(Object::toString).orElse(null)));
                    } else {
                        ended.complete(new Ended(NO_DISCONNECT, String.valueOf(ctx.getCause())));
                    }
                })
                .buildBlocking();
        c.connectWith().cleanStart(true).keepAlive(60).send();
        Client client = new Client(id, "hivemq", ended, () -> {
            if (c.getState().isConnected()) {
                c.disconnect();
            }
        });
        add(client);
        return client;
    }

    private void add(Client c) {
        synchronized (all) {
            all.add(c);
        }
    }

    @Override
    public void close() {
        List<Client> copy;
        synchronized (all) {
            copy = new ArrayList<>(all);
            all.clear();
        }
        for (Client c : copy) {
            try {
                c.closer().close();
            } catch (Exception ignored) {
                // best effort
            }
        }
    }
}
