package io.mqttcluster.gateway.proxy;

import io.mqttcluster.gateway.backend.MoveReason;
import io.mqttcluster.gateway.hash.RouteReason;

/**
 * What the proxy counts about its client connections; the gateway's meters implement it. The proxy knows only
 * this narrow view, so the meters may know the proxy's reasons without the proxy knowing the meters. Every
 * method may be called from any event loop.
 */
public interface ProxyMetrics {

    /** A TCP connection was accepted from a client, before limits. */
    void accepted();

    void rejected(RejectReason reason);

    void routed(RouteReason reason);

    void moved(MoveReason reason);

    void bytesClientToNode(int n);

    void bytesNodeToClient(int n);

    /** A TCP connect to a node succeeded after {@code nanos}. */
    void nodeConnected(long nanos);
}
