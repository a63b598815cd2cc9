package io.mqttcluster.gateway.proxy;

import io.mqttcluster.gateway.backend.BackendNode;
import io.mqttcluster.gateway.backend.MoveReason;
import io.mqttcluster.gateway.backend.NodeConnection;
import io.mqttcluster.gateway.backend.NodeState;
import io.mqttcluster.gateway.connect.ConnectInfo;
import io.mqttcluster.gateway.connect.ConnectReader;
import io.mqttcluster.gateway.connect.ReasonCodes;
import io.mqttcluster.gateway.hash.NodeChooser;
import io.mqttcluster.gateway.hash.RouteReason;
import io.mqttcluster.gateway.log.LogValues;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiFunction;

/**
 * One client connection through the gateway, from accept to close; the only place that closes
 * one (with its log line and metrics). It is the last handler of the client socket's pipeline.
 *
 * <p>Phases: SNIFFING (read the CONNECT under a deadline and a size cap) -> CONNECTING (try the
 * nodes in rendezvous order, client not read) -> SPLICED (bytes both ways with back-pressure; the node's answer
 * to the CONNECT, AUTH packets then the CONNACK, is followed by the splice) -> CLOSED. Either side closing closes
 * the other. A refused MQTT 5.0 client gets a CONNACK with a reason code first; a moved one a DISCONNECT.
 *
 * <p>Parts: {@link ConnectReader} reads the CONNECT, {@link NodeChooser} orders the nodes, {@link Splice} carries
 * the bytes both ways once a node accepted, {@link UnansweredBytes} keeps what the node has not answered yet so
 * that the next node can get it. This class owns the phase, the node attempts, moves and the close.
 *
 * <p>Threads: everything runs on the event loop of the client socket, which is also the event
 * loop of the node socket (the node connection is opened on it). Only {@link #requestMove} may
 * be called from elsewhere; it hops onto that event loop.
 */
public final class ClientConnection extends ChannelInboundHandlerAdapter implements NodeConnection {
    private static final Logger LOG = LoggerFactory.getLogger(ClientConnection.class);
    private static final byte[] NO_ID = new byte[0];

    private enum Phase { SNIFFING, CONNECTING, SPLICED, CLOSED }

    private final ProxyServices px;
    private final ProxyMetrics metrics;
    private final Channel client;
    private final BiFunction<Channel, ChannelHandler, Bootstrap> nodeBootstrap;
    private final String remote;
    private final long startedNanos = System.nanoTime();
    private final AtomicBoolean moveRequested = new AtomicBoolean();

    private volatile Phase phase = Phase.SNIFFING;
    private ConnectReader reader;
    private CompositeByteBuf heldWhileConnecting;
    private final UnansweredBytes unanswered;
    private List<BackendNode> order;
    private int attempts;
    private int attempt;
    private ScheduledFuture<?> deadline;
    private ConnectInfo connect;
    private byte[] clientId = NO_ID;
    private BackendNode node;
    /** The bytes between the client and {@link #node}; set in the SPLICED phase. */
    private Splice splice;

    ClientConnection(ProxyServices px, Channel client, BiFunction<Channel, ChannelHandler, Bootstrap> nodeBootstrap) {
        this.px = px;
        this.metrics = px.metrics();
        this.client = client;
        this.nodeBootstrap = nodeBootstrap;
        this.remote = String.valueOf(client.remoteAddress());
        this.reader = new ConnectReader(px.options().connectMaxSize());
        this.unanswered = new UnansweredBytes(px.options().connectMaxSize());
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        deadline = client.eventLoop().schedule(() -> {
            deadline = null;
            if (phase == Phase.SNIFFING) {
                reject(RejectReason.CONNECT_TIMEOUT, "no complete CONNECT within " + px.options().connectTimeout().toMillis() + "ms");
            }
        }, px.options().connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    // ------------------------------------------------------------------ client socket events

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf data)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        switch (phase) {
            case SPLICED -> {
                unanswered.keep(data);
                splice.toNode(data);
            }
            case SNIFFING -> {
                try {
                    byte[] bytes = new byte[data.readableBytes()];
                    data.readBytes(bytes);
                    sniff(bytes);
                } finally {
                    data.release();
                }
            }
            case CONNECTING -> hold(data);
            case CLOSED -> data.release();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (phase == Phase.SPLICED) {
            splice.clientReadComplete();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (phase == Phase.SPLICED) {
            splice.clientWritabilityChanged();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        close("client_closed");
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof io.netty.handler.codec.DecoderException && cause.getCause() instanceof javax.net.ssl.SSLException ssl
                || cause instanceof javax.net.ssl.SSLException) {
            reject(RejectReason.TLS_HANDSHAKE, String.valueOf(cause.getCause() != null ? cause.getCause().getMessage() : cause.getMessage()));
            return;
        }
        close("client_error");
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            close("idle_timeout");
            return;
        }
        if (evt instanceof io.netty.handler.ssl.SslHandshakeCompletionEvent done && !done.isSuccess()) {
            reject(RejectReason.TLS_HANDSHAKE, String.valueOf(done.cause().getMessage()));
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    // ------------------------------------------------------------------ CONNECT and node choice

    private void sniff(byte[] bytes) {
        ConnectReader.Status status = reader.feed(bytes);
        switch (status) {
            case NEED_MORE -> {
            }
            case INVALID -> reject(RejectReason.INVALID_CONNECT, reader.failure(), reader.protocolLevel(), reader.reasonCode());
            case OVERSIZE -> reject(RejectReason.OVERSIZE, reader.failure(), reader.protocolLevel(), reader.reasonCode());
            case COMPLETE -> onConnect(reader.connect());
        }
    }

    /** Bytes that arrive after the CONNECT while the node connection is being opened: kept, under the cap. */
    private void hold(ByteBuf data) {
        if (heldWhileConnecting == null) {
            heldWhileConnecting = client.alloc().compositeBuffer();
        }
        heldWhileConnecting.addComponent(true, data);
        if (heldWhileConnecting.readableBytes() > px.options().connectMaxSize()) {
            reject(RejectReason.OVERSIZE, "too many bytes while connecting to a node");
        }
    }

    private void onConnect(ConnectInfo info) {
        // The client stays readable while the node connection opens: it rarely sends anything before its
        // CONNACK, and what it does send is kept under the same cap as the CONNECT (pausing and resuming the
        // socket would cost two system calls per connection).
        phase = Phase.CONNECTING;
        cancelDeadline();
        connect = info;
        metrics.connectRead(info.protocolLevel());
        clientId = info.clientId().getBytes(StandardCharsets.UTF_8);
        warnIfIdleTimeoutTooShort(info);
        if (refusedAsFlapping(info)) {
            return;
        }
        List<BackendNode> candidates = px.nodes().candidates();
        if (candidates.isEmpty()) {
            reject(RejectReason.NO_HEALTHY_NODE, "no node is up and ready", info.protocolLevel(), ReasonCodes.SERVER_UNAVAILABLE);
            return;
        }
        order = NodeChooser.order(clientId, candidates);
        attempts = Math.min(order.size(), px.options().nodeMaxAttempts());
        unanswered.start(client.alloc(), reader.received());
        reader = null;
        tryNode(order, 0, attempts);
    }

    /**
     * A client id that connects too often ({@link FlappingDetector}) is refused for a while, before any node hears of
     * it: a 5.0 client gets CONNACK 0x9F (Connection rate exceeded: [MQTT 5.0 section 3.2.2.2] has it for exactly
     * this), a 3.x client CONNACK 0x03 (Server unavailable: temporary, unlike 0x02/0x04/0x05). The ban is logged
     * once, when it starts; the refusals are only counted.
     */
    private boolean refusedAsFlapping(ConnectInfo info) {
        FlappingDetector.Verdict verdict = px.flapping().connect(info.clientId());
        if (verdict == FlappingDetector.Verdict.ALLOWED) {
            return false;
        }
        if (verdict == FlappingDetector.Verdict.BAN_STARTED) {
            metrics.clientIdBanned();
            long suppressed = px.rejectLog().tryAcquire();
            if (suppressed >= 0) {
                FlappingDetector f = px.flapping();
                LOG.warn("event=client_id_banned client_id={} connects_over={} window_ms={} ban_ms={} remote={} protocol={} suppressed={}",
                        LogValues.quote(info.clientId()), f.maxConnects(), f.window().toMillis(), f.ban().toMillis(), remote,
                        info.protocolLabel(), suppressed);
            }
        }
        byte[] connack = info.mqtt5()
                ? GatewayPackets.connackRefusal(ReasonCodes.CONNECTION_RATE_EXCEEDED, info.maximumPacketSize())
                : GatewayPackets.connackRefusalV3(ReasonCodes.V3_SERVER_UNAVAILABLE);
        if (connack != null) {
            client.write(Unpooled.wrappedBuffer(connack), client.voidPromise());
            if (info.mqtt5()) {
                metrics.connackSent(ReasonCodes.CONNECTION_RATE_EXCEEDED);
            }
        }
        metrics.rejected(RejectReason.CLIENT_ID_BANNED);
        close("rejected_" + RejectReason.CLIENT_ID_BANNED.label());
        return true;
    }

    private void tryNode(List<BackendNode> order, int index, int attempts) {
        if (phase != Phase.CONNECTING) {
            return;
        }
        if (index >= attempts) {
            // no node answered anything yet, so the client may still get a CONNACK, from us
            reject(RejectReason.NODE_UNREACHABLE, "tried " + attempts + " node(s)", connect.protocolLevel(),
                    ReasonCodes.SERVER_UNAVAILABLE);
            return;
        }
        BackendNode target = order.get(index);
        attempt = index;
        target.connecting();
        long t0 = System.nanoTime();
        NodeSide side = new NodeSide();
        ChannelFuture f = nodeBootstrap.apply(client, side)
                .connect(target.address().host(), target.address().mqttPort());
        f.addListener((ChannelFutureListener) done -> { // on this event loop
            target.connectEnded();
            if (!done.isSuccess()) {
                LOG.info("event=node_connect_failed node={} client_id={} attempt={} error={}", target.key(),
                        LogValues.quote(connect.clientId()), index + 1, LogValues.quote(String.valueOf(done.cause().getMessage())));
                tryNode(order, index + 1, attempts);
                return;
            }
            metrics.nodeConnected(System.nanoTime() - t0);
            if (phase != Phase.CONNECTING) {
                done.channel().close();
                return;
            }
            RouteReason reason = index == 0 ? NodeChooser.firstChoiceReason(clientId) : RouteReason.FALLBACK_NEXT_NODE;
            splice(target, done.channel(), reason);
        });
    }

    private void splice(BackendNode target, Channel socket, RouteReason reason) {
        phase = Phase.SPLICED;
        node = target;
        splice = new Splice(client, socket, metrics, connect.protocolLevel());
        target.connections().add(this);
        metrics.routed(reason);
        metrics.splicedChanged(connect.protocolLevel(), 1);
        if (LOG.isDebugEnabled()) {
            LOG.debug("event=route client_id={} node={} reason={} protocol={} auth_method={} clean_start={} keepalive={} remote={}",
                    LogValues.quote(connect.clientId()), target.key(), reason.label(), connect.protocolLabel(),
                    connect.authenticationMethod() == null ? "-" : LogValues.quote(connect.authenticationMethod()),
                    connect.cleanStart(), connect.keepAliveSeconds(), remote);
        }

        // This node gets the CONNECT and whatever followed it (all of it again when an earlier node closed
        // without answering), then what arrived while connecting.
        if (px.options().proxyProtocol()) {
            splice.sendProxyHeader();
        }
        if (unanswered.kept()) {
            splice.toNode(unanswered.replay());
        }
        CompositeByteBuf held = heldWhileConnecting;
        heldWhileConnecting = null;
        if (held != null) {
            unanswered.keep(held);
            splice.toNode(held);
        }
        socket.flush();

        // A node that went down while we were connecting had its connections closed already:
        // this one must not stay.
        if (target.state() == NodeState.DOWN) {
            requestMove(MoveReason.NODE_DOWN);
        }
    }

    /** The node socket's end of the splice (the node sends nothing before it has the CONNECT). */
    private final class NodeSide extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!current(ctx) || !(msg instanceof ByteBuf data)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            // The node's first byte, a CONNACK or (MQTT 5 enhanced authentication) an AUTH, means it took the CONNECT:
            // from now on the client has seen this node's answer, and no other node may get the same bytes.
            unanswered.release();
            splice.toClient(data);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (current(ctx)) {
                splice.nodeReadComplete();
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (current(ctx)) {
                splice.nodeWritabilityChanged();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!isNodeSocket(ctx)) {
                return; // a node we already left
            }
            if (mayTryNextNode()) {
                tryNextNode();
                return;
            }
            close("node_closed");
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (!isNodeSocket(ctx)) {
                return;
            }
            if (mayTryNextNode()) {
                ctx.close(); // channelInactive tries the next node
                return;
            }
            close("node_error");
        }

        /** The spliced node's socket, not one of a node left before. */
        private boolean isNodeSocket(ChannelHandlerContext ctx) {
            return splice != null && ctx.channel() == splice.node();
        }

        /** Bytes flow: spliced, and this is the spliced node's socket. */
        private boolean current(ChannelHandlerContext ctx) {
            return phase == Phase.SPLICED && isNodeSocket(ctx);
        }
    }

    private boolean mayTryNextNode() {
        return phase == Phase.SPLICED && unanswered.kept() && attempt + 1 < attempts && !moveRequested.get();
    }

    /** The node closed before answering the CONNECT: it did not take the client; the next node gets the same bytes. */
    private void tryNextNode() {
        LOG.info("event=node_closed_before_connack node={} client_id={} attempt={}", node.key(),
                LogValues.quote(connect.clientId()), attempt + 1);
        node.connections().remove(this);
        metrics.splicedChanged(connect.protocolLevel(), -1);
        node = null;
        splice = null;
        phase = Phase.CONNECTING;
        client.config().setAutoRead(true);
        tryNode(order, attempt + 1, attempts);
    }

    @Override
    public byte[] clientIdBytes() {
        return clientId;
    }

    @Override
    public boolean requestMove(MoveReason reason) {
        if (phase == Phase.CLOSED || !moveRequested.compareAndSet(false, true)) {
            return false;
        }
        client.eventLoop().execute(() -> {
            if (phase != Phase.SPLICED) {
                if (phase == Phase.CONNECTING) {
                    moveRequested.set(false); // between two nodes: the move applies to the next one, if still due
                }
                return;
            }
            metrics.moved(reason);
            move(reason);
        });
        return true;
    }

    /**
     * Closes the connection to move its client. A node that is down gets nothing and the client is closed at once,
     * as for any lost connection (its will is published there; the node may never finish a packet it had begun).
     * A drain or a rebalance is not the client's failure: {@link Splice#move} ends the client's session on the node
     * with a DISCONNECT in the client's name (so no will is published while the client reconnects to its next
     * node), gives an MQTT 5.0 client a DISCONNECT with {@link GatewayPackets#reasonCode the move's reason code},
     * each at a packet boundary and after the node's CONNACK, then both sockets close. That wait is bounded by
     * connect.timeout; past it the connection closes as it is.
     */
    private void move(MoveReason reason) {
        String cause = "moved_" + reason.label();
        if (reason == MoveReason.NODE_DOWN) {
            LOG.debug("event=connection_moved reason={} client_id={} node={}", reason.label(),
                    LogValues.quote(connect.clientId()), node.key());
            close(cause);
            return;
        }
        int code = GatewayPackets.reasonCode(reason);
        byte[] forClient = connect.mqtt5()
                ? GatewayPackets.disconnect(code, GatewayPackets.reasonString(reason), connect.maximumPacketSize()) : null;
        LOG.debug("event=connection_moved reason={} client_id={} node={} protocol={} handshake={}", reason.label(),
                LogValues.quote(connect.clientId()), node.key(), connect.protocolLabel(), splice.handshake().state());
        deadline = client.eventLoop().schedule(() -> {
            deadline = null;
            close(cause + "_unfinished");
        }, px.options().connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
        splice.move(forClient, code, () -> close(cause));
    }

    private void reject(RejectReason reason, String detail) {
        reject(reason, detail, -1, 0);
    }

    /** Refuses the client, counted and logged; an MQTT 5.0 client is told why with a CONNACK when there is a code. */
    private void reject(RejectReason reason, String detail, int protocolLevel, int connackCode) {
        if (phase == Phase.CLOSED) {
            return;
        }
        if (protocolLevel == 5 && connackCode != 0) {
            // [MQTT 5.0 sections 3.1.4, 4.13.1]: a CONNACK with the reason code, then the close; best effort (a client
            // still sending a CONNECT that is too large may see the connection reset before it reads it)
            byte[] connack = GatewayPackets.connackRefusal(connackCode, connect == null ? 0 : connect.maximumPacketSize());
            if (connack != null) {
                client.write(Unpooled.wrappedBuffer(connack), client.voidPromise());
                metrics.connackSent(connackCode);
            }
        }
        metrics.rejected(reason);
        Rejections.log(px, reason, remote, connect == null ? null : connect.clientId(), detail);
        close("rejected_" + reason.label());
    }

    private void warnIfIdleTimeoutTooShort(ConnectInfo info) {
        long idleMs = px.options().idleTimeout().toMillis();
        if (idleMs > 0 && (info.keepAliveSeconds() == 0 || info.keepAliveSeconds() * 1500L >= idleMs)
                && px.rejectLog().tryAcquire() >= 0) {
            LOG.warn("event=idle_timeout_below_keepalive client_id={} keepalive={} idle_timeout_ms={}",
                    LogValues.quote(info.clientId()), info.keepAliveSeconds(), idleMs);
        }
    }

    private void cancelDeadline() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }

    private void close(String cause) {
        Phase was = phase;
        if (was == Phase.CLOSED) {
            return;
        }
        phase = Phase.CLOSED;
        cancelDeadline();
        reader = null;
        if (heldWhileConnecting != null) {
            heldWhileConnecting.release();
            heldWhileConnecting = null;
        }
        unanswered.release();
        if (was == Phase.SPLICED) { // counted out before the sockets close, so that no one sees a closed one counted
            node.connections().remove(this);
            metrics.splicedChanged(connect.protocolLevel(), -1);
        }
        // what was already read from one side still goes out before the other side closes
        client.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        if (splice != null) {
            splice.node().writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
        px.connectionLimit().release();
        if (LOG.isDebugEnabled()) {
            NodeHandshake h = splice == null ? null : splice.handshake();
            LOG.debug("event=connection_closed cause={} client_id={} node={} remote={} duration_ms={} handshake={} "
                    + "auth_packets={} disconnect_sent={}", cause,
                    connect == null ? "-" : LogValues.quote(connect.clientId()), node == null ? "-" : node.key(), remote,
                    (System.nanoTime() - startedNanos) / 1_000_000, h == null ? "-" : h.state(),
                    h == null ? 0 : h.authPackets(), splice != null && splice.toldClient());
        }
    }
}
