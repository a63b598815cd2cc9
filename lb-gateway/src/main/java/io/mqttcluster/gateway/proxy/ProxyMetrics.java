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

    /** A client id connected too often and is banned from now on (its refused CONNECTs count as rejections). */
    void clientIdBanned();

    /**
     * An accepted connection waits {@code nanos} for its turn under an accept rate before it is read; {@code limit}
     * says which rate: {@code listener} or {@code source}.
     */
    void acceptDelayed(String limit, long nanos);

    void routed(RouteReason reason);

    void moved(MoveReason reason);

    void bytesClientToNode(int n);

    void bytesNodeToClient(int n);

    /** A TCP connect to a node succeeded after {@code nanos}. */
    void nodeConnected(long nanos);

    /** A valid CONNECT was read from a client of this protocol level (3, 4 or 5). */
    void connectRead(int protocolLevel);

    /** A client of this protocol level was spliced to a node ({@code +1}), or its spliced connection closed ({@code -1}). */
    void splicedChanged(int protocolLevel, int delta);

    /** The gateway sent an MQTT 5.0 client a CONNACK refusing it, with this reason code. */
    void connackSent(int reasonCode);

    /** The gateway sent an MQTT 5.0 client a DISCONNECT with this reason code (a planned move). */
    void disconnectSent(int reasonCode);
}
