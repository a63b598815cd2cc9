package io.mqttcluster.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;

/**
 * The bytes of one spliced connection, both ways, with back-pressure: what one socket reads is written to the
 * other as the same buffer and flushed once per read batch; while a side cannot take more (its write buffer is
 * above the high-water mark), the other side is not read.
 *
 * <p>It also follows the packet boundaries of both directions ({@link PacketBoundaries}): client to node always;
 * node to client until the node has answered the CONNECT ({@link NodeHandshake}: AUTH packets, then the CONNACK),
 * and for an MQTT 5.0 client for as long as the connection lasts. With them it carries out a planned move
 * ({@link #move}): it cuts each direction at a packet boundary, ends the client's session on the node with a
 * DISCONNECT in the client's name, and gives a 5.0 client a DISCONNECT with a reason code, never inside a packet
 * of the node's.
 *
 * <p>Created by {@link ClientConnection} once a node accepted the TCP connection; which phase the connection is in,
 * and closing, stay there. Threads: the client socket's event loop, which is also the node socket's.
 */
final class Splice {
    private final Channel client;
    private final Channel node;
    private final ProxyMetrics metrics;
    private final boolean mqtt5;
    private final PacketBoundaries toNode = new PacketBoundaries();
    private final PacketBoundaries fromNode = new PacketBoundaries();
    private final NodeHandshake handshake;
    /** False once nothing needs the node's packet boundaries any more: a 3.x client past its CONNACK. */
    private boolean followFromNode = true;
    /** The node sent a DISCONNECT of its own: the client gets none from the gateway after it. */
    private boolean nodeDisconnected;
    private Move move;

    /** A planned move under way: which directions are cut, and what the client still gets. */
    private static final class Move {
        final byte[] forClient;
        final int reasonCode;
        final Runnable done;
        boolean started;
        boolean nodeCut;
        boolean clientCut;

        Move(byte[] forClient, int reasonCode, Runnable done) {
            this.forClient = forClient;
            this.reasonCode = reasonCode;
            this.done = done;
        }
    }

    /** @param protocolLevel the client's, from its CONNECT: 5 gets DISCONNECT packets with reason codes */
    Splice(Channel client, Channel node, ProxyMetrics metrics, int protocolLevel) {
        this.client = client;
        this.node = node;
        this.metrics = metrics;
        this.mqtt5 = protocolLevel == 5;
        this.handshake = new NodeHandshake(protocolLevel);
    }

    Channel node() {
        return node;
    }

    /** How far the node got in answering the CONNECT. */
    NodeHandshake handshake() {
        return handshake;
    }

    /** Before the client's bytes: the PROXY protocol v2 header that tells the node who the client is. */
    void sendProxyHeader() {
        node.write(Unpooled.wrappedBuffer(proxyHeader()), node.voidPromise());
    }

    /** Client bytes to the node, not flushed yet; during a move, only up to the cut. */
    void toNode(ByteBuf data) {
        if (move != null && move.started) {
            if (move.nodeCut) {
                data.release();
                return;
            }
            int end = toNode.feedUntilPacketEnd(data, data.readerIndex(), data.writerIndex());
            if (end >= 0) { // the client's packet ended: the rest is not sent, the DISCONNECT is
                writeToNode(data.retainedSlice(data.readerIndex(), end - data.readerIndex()));
                data.release();
                cutNode();
                finishIfCut();
                return;
            }
            writeToNode(data);
            return;
        }
        toNode.feed(data);
        writeToNode(data);
    }

    /** Node bytes to the client, not flushed yet; during a move, only up to the cut. */
    void toClient(ByteBuf data) {
        if (move != null && move.clientCut) {
            data.release();
            return;
        }
        if (!followFromNode) {
            writeToClient(data);
            return;
        }
        int from = data.readerIndex();
        int to = data.writerIndex();
        int at = from;
        while (at < to) {
            int end = fromNode.feedUntilPacketEnd(data, at, to);
            if (end < 0) {
                break;
            }
            at = end;
            nodePacketEnded();
            if (move != null && move.started) {
                // a move is due at this boundary (it waited for this packet to end, or for the CONNACK)
                writeToClient(data.retainedSlice(from, at - from));
                data.release();
                cutClient();
                finishIfCut();
                return;
            }
            if (!followFromNode) {
                break;
            }
        }
        writeToClient(data);
    }

    private void nodePacketEnded() {
        int type = fromNode.packetType();
        if (type == PacketBoundaries.DISCONNECT) {
            nodeDisconnected = true;
        }
        if (handshake.packetEnded(type, fromNode.bodyByte(1))) {
            if (!mqtt5) {
                followFromNode = false;
            }
            if (move != null && !move.started) {
                start();
            }
        }
    }

    private void writeToNode(ByteBuf data) {
        metrics.bytesClientToNode(data.readableBytes());
        node.write(data, node.voidPromise());
    }

    private void writeToClient(ByteBuf data) {
        metrics.bytesNodeToClient(data.readableBytes());
        client.write(data, client.voidPromise());
    }

    /**
     * Moves the client off its node; {@code done} runs (on this event loop) once both directions are cut, and the
     * caller closes both sockets then. Before the node's CONNACK the move waits for it. Then: the client's bytes go
     * to the node up to the end of the packet under way, followed by a DISCONNECT in the client's name (none when
     * the node refused the client); the node's bytes go to the client up to the end of the packet under way,
     * followed by {@code forClient} (when not null, the node accepted the client and sent no DISCONNECT itself).
     * Bytes after a cut are dropped. The caller bounds the wait: a peer may never finish its packet.
     */
    void move(byte[] forClient, int reasonCode, Runnable done) {
        if (move != null) {
            return;
        }
        move = new Move(forClient, reasonCode, done);
        if (!handshake.over()) {
            return; // nodePacketEnded starts it when the CONNACK has gone by
        }
        start();
        if (!move.clientCut && fromNode.atBoundary()) {
            cutClient();
        }
        finishIfCut();
    }

    /** True once a move was asked and has not yet cut both directions (it may wait for the CONNACK). */
    boolean moving() {
        return move != null;
    }

    /** The node side of a move, once the handshake is over; the client side follows at the node's next boundary. */
    private void start() {
        move.started = true;
        if (handshake.state() == NodeHandshake.State.REFUSED || toNode.broken()) {
            move.nodeCut = true; // no session to end, or no boundary will come
        } else if (toNode.atBoundary()) {
            cutNode();
        }
        if (move.forClient == null || !followFromNode || fromNode.broken()
                || nodeDisconnected || handshake.state() != NodeHandshake.State.ACCEPTED) {
            move.clientCut = true; // nothing to tell the client, or no boundary to tell it at
        }
    }

    private void cutNode() {
        node.write(Unpooled.wrappedBuffer(GatewayPackets.DISCONNECT_NORMAL), node.voidPromise());
        move.nodeCut = true;
    }

    private void cutClient() {
        if (!move.clientCut && !nodeDisconnected && move.forClient != null) {
            client.write(Unpooled.wrappedBuffer(move.forClient), client.voidPromise());
            metrics.disconnectSent(move.reasonCode);
        }
        move.clientCut = true;
    }

    private void finishIfCut() {
        if (move.nodeCut && move.clientCut) {
            node.flush();
            client.flush();
            move.done.run();
        }
    }

    /** True when the move has sent the client its DISCONNECT (for the close log). */
    boolean toldClient() {
        return move != null && move.clientCut && move.forClient != null && !nodeDisconnected
                && handshake.state() == NodeHandshake.State.ACCEPTED;
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
