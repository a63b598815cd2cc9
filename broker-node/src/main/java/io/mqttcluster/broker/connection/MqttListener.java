package io.mqttcluster.broker.connection;

import io.mqttcluster.broker.Broker;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.mqtt.MqttServer;
import io.vertx.mqtt.MqttServerOptions;

/**
 * One MQTT TCP listener. The node deploys one instance per event loop on the same port; the kernel and
 * Vert.x spread accepted connections over them.
 */
public final class MqttListener extends VerticleBase {

    private final Broker broker;
    private final int port;
    private MqttServer server;

    public MqttListener(Broker broker, int port) {
        this.broker = broker;
        this.port = port;
    }

    @Override
    public Future<?> start() {
        MqttServerOptions options = new MqttServerOptions()
                .setHost(broker.config().mqttHost())
                .setPort(port)
                .setMaxMessageSize(broker.config().maxPacketSize())
                .setTimeoutOnConnect((int) Math.max(1, broker.config().connectTimeoutMillis() / 1000))
                .setAutoClientId(false)
                .setMaxClientIdLength(broker.config().maxClientIdLength())
                .setUseProxyProtocol(broker.config().proxyProtocol());
        options.setTcpNoDelay(true);
        server = MqttServer.create(vertx, options);
        server.endpointHandler(endpoint -> MqttConnection.accept(endpoint, broker));
        server.exceptionHandler(t -> BadInputLog.report("-", t));
        return server.listen();
    }

    @Override
    public Future<?> stop() {
        return server == null ? Future.succeededFuture() : server.close();
    }

    /** The bound port (useful when configured as 0). */
    public int actualPort() {
        return server.actualPort();
    }
}
