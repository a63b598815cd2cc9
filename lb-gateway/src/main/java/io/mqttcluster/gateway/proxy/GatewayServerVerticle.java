package io.mqttcluster.gateway.proxy;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The MQTT-facing TCP listener of one event loop: the gateway deploys one instance per event loop,
 * all on the same port (Vert.x spreads accepted connections over them). Each instance has its own
 * node client, so a client connection and its node connection share one event loop.
 *
 * <p>Owned by its event loop.
 */
public final class GatewayServerVerticle extends VerticleBase {
    private final ProxyServices px;
    private final NetClient nodeClient;
    private final int port;
    private NetServer server;

    /**
     * @param nodeClient the gateway's client for node connections (thread-safe; a connection it
     *                   opens from this verticle's event loop stays on that event loop)
     * @param port       the port to bind, the same for every instance (not 0: instances share a
     *                   port only when they ask for the same one)
     */
    public GatewayServerVerticle(ProxyServices px, NetClient nodeClient, int port) {
        this.px = px;
        this.nodeClient = nodeClient;
        this.port = port;
    }

    @Override
    public Future<?> start() {
        NetServerOptions serverOptions = new NetServerOptions()
                .setHost(px.options().bindAddress())
                .setPort(port)
                .setTcpNoDelay(true)
                .setTcpKeepAlive(true)
                .setReuseAddress(true);
        long idleMs = px.options().idleTimeout().toMillis();
        if (idleMs > 0) {
            serverOptions.setIdleTimeout((int) Math.min(Integer.MAX_VALUE, idleMs)).setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
        }
        server = vertx.createNetServer(serverOptions).connectHandler(this::accept);
        return server.listen();
    }

    /** The port actually bound. */
    public int actualPort() {
        return server.actualPort();
    }

    private void accept(NetSocket socket) {
        px.metrics().accepted();
        if (!px.connectionLimit().tryAcquire()) {
            ClientConnection.refuse(px, socket, RejectReason.MAX_CONNECTIONS);
            return;
        }
        SocketAddress remote = socket.remoteAddress();
        String ip = remote == null || remote.hostAddress() == null ? "unknown" : remote.hostAddress();
        if (!px.rateLimiter().allow(ip)) {
            px.connectionLimit().release();
            ClientConnection.refuse(px, socket, RejectReason.RATE_LIMITED);
            return;
        }
        new ClientConnection(px, vertx, context, nodeClient, socket).start();
    }

    @Override
    public Future<?> stop() {
        return server.close();
    }
}
