package io.mqttcluster.bench.scenario;

import io.mqttcluster.bench.client.ClientConfig;
import io.mqttcluster.bench.client.Endpoint;
import io.mqttcluster.bench.client.LoopContext;
import io.mqttcluster.bench.client.MqttClient;
import io.mqttcluster.bench.codec.MqttWriter;
import io.netty.buffer.ByteBuf;

import java.util.function.Consumer;

/**
 * A client that connects and then only keeps its connection alive: optionally subscribes once, optionally
 * disconnects as soon as it is connected (to clear a persistent session). Used by {@code conn} and for cleanup.
 */
public final class IdleClient extends MqttClient {
    private final String filter;
    private final boolean disconnectWhenReady;
    private final Consumer<IdleClient> onReady;

    public IdleClient(ClientConfig config, LoopContext loop, String clientId, Endpoint endpoint, boolean cleanSession,
                      String filter, boolean disconnectWhenReady, Consumer<IdleClient> onReady) {
        super(config, loop, clientId, endpoint, cleanSession);
        this.filter = filter;
        this.disconnectWhenReady = disconnectWhenReady;
        this.onReady = onReady;
    }

    @Override
    protected void onReady(boolean sessionPresent, boolean reconnect) {
        if (disconnectWhenReady) {
            disconnect();
        } else if (filter != null) {
            send(MqttWriter.subscribe(alloc(), config.version, 1, new String[] {filter}, 0));
            return;
        }
        onReady.accept(this);
    }

    @Override
    public void onSubAck(int packetId, ByteBuf returnCodes) {
        onReady.accept(this);
    }

    @Override
    public void onPublish(int qos, boolean dup, boolean retain, int packetId, ByteBuf topic, ByteBuf payload) {
        // idle clients may match someone's traffic; QoS 0 subscription, nothing to acknowledge
    }
}
