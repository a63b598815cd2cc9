package io.mqttcluster.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;

/**
 * The bytes of one spliced connection, both ways, with back-pressure: what one socket reads is written to the
 * other as the same buffer and flushed once per read batch; while a side cannot take more (its write buffer is
 * above the high-water mark), the other side is not read. It also follows the packet boundaries of the
 * client-to-node direction, so that the gateway can end the client's session on the node with a DISCONNECT of its
 * own between two of the client's packets.
 *
 * <p>Created by {@link ClientConnection} once a node accepted the TCP connection; which phase the connection is in,
 * and closing, stay there. Threads: the client socket's event loop, which is also the node socket's.
 */
final class Splice {
    /** DISCONNECT, remaining length 0: "normal disconnection" in every MQTT version. */
    private static final byte[] DISCONNECT = {(byte) 0xE0, 0x00};

    private final Channel client;
    private final Channel node;
    private final ProxyMetrics metrics;
    private final PacketBoundaries toNode = new PacketBoundaries();

    Splice(Channel client, Channel node, ProxyMetrics metrics) {
        this.client = client;
        this.node = node;
        this.metrics = metrics;
    }

    Channel node() {
        return node;
    }

    /** Before the client's bytes: the PROXY protocol v2 header that tells the node who the client is. */
    void sendProxyHeader() {
        node.write(Unpooled.wrappedBuffer(proxyHeader()), node.voidPromise());
    }

    /** Client bytes to the node, not flushed yet. */
    void toNode(ByteBuf data) {
        metrics.bytesClientToNode(data.readableBytes());
        toNode.feed(data);
        node.write(data, node.voidPromise());
    }

    /** Node bytes to the client, not flushed yet. */
    void toClient(ByteBuf data) {
        metrics.bytesNodeToClient(data.readableBytes());
        client.write(data, client.voidPromise());
    }

    /** The client's read batch ended: flush it to the node; stop reading the client while the node is full. */
    void clientReadComplete() {
        node.flush();
        if (!node.isWritable()) {
            client.config().setAutoRead(false);
        }
    }

    /** The node's read batch ended: flush it to the client; stop reading the node while the client is full. */
    void nodeReadComplete() {
        client.flush();
        if (!client.isWritable()) {
            node.config().setAutoRead(false);
        }
    }

    /** The client's socket changed writability: read the node again once the client can take more. */
    void clientWritabilityChanged() {
        if (client.isWritable()) {
            node.config().setAutoRead(true);
        }
    }

    /** The node's socket changed writability: read the client again once the node can take more. */
    void nodeWritabilityChanged() {
        if (node.isWritable()) {
            client.config().setAutoRead(true);
        }
    }

    /**
     * Ends the client's session on the node with a DISCONNECT, as if the client had sent it, when every byte sent
     * so far belongs to a complete packet. Returns whether it was sent.
     */
    boolean disconnectAtPacketBoundary() {
        if (!toNode.atBoundary()) {
            return false;
        }
        node.write(Unpooled.wrappedBuffer(DISCONNECT), node.voidPromise());
        return true;
    }

    private byte[] proxyHeader() {
        if (!(client.remoteAddress() instanceof InetSocketAddress src)
                || !(client.localAddress() instanceof InetSocketAddress dst)
                || src.getAddress() == null || dst.getAddress() == null) {
            return ProxyProtocolV2.local();
        }
        return ProxyProtocolV2.header(src.getAddress(), src.getPort(), dst.getAddress(), dst.getPort(), tlsInfo());
    }

    /** What the client's TLS session says about it, for the node; null on a plain connection. */
    private ProxyProtocolV2.Tls tlsInfo() {
        SslHandler ssl = client.pipeline().get(SslHandler.class);
        return ssl == null ? null : TlsIdentity.of(ssl.engine());
    }
}
