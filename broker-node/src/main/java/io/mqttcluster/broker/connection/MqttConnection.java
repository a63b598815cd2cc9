package io.mqttcluster.broker.connection;

import io.mqttcluster.broker.protocol.ClientProtocol;
import io.mqttcluster.broker.protocol.ProtocolOutput;
import io.mqttcluster.broker.protocol.ProtocolServices;
import io.mqttcluster.broker.protocol.CloseReason;
import io.mqttcluster.broker.protocol.Packets;
import io.mqttcluster.broker.mqtt.ReasonCode;
import io.mqttcluster.broker.mqtt.Refusal;
import io.mqttcluster.cluster.message.Message;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttConnectVariableHeader;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttIdentifierRejectedException;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttUnacceptableProtocolVersionException;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.internal.ContextInternal;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * Owns one client's socket: the last handler of its Netty pipeline ({@link MqttListener} builds it: PROXY
 * header decoder when configured, idle timer, Netty's MQTT decoder and encoder, this). It turns decoded
 * packets into {@link ClientProtocol} calls and the channel's actions into packets, and it is the only place a
 * connection is closed, with its log line and metric.
 *
 * <p>Writes are never flushed one by one: once per read batch, or once per event-loop turn for writes that
 * come from elsewhere. Back-pressure is the channel's own writability (high and low water
 * marks in bytes, {@code mqtt.max-pending-bytes}): while the socket cannot take more, the channel holds QoS
 * 1/2 messages back and drops QoS 0; when it drains, the channel is told.
 *
 * <p>Packets a client sends right after CONNECT, before our CONNACK (the spec allows it), wait here until
 * the session is claimed; meanwhile the socket is not read (except for the AUTH packets of an enhanced
 * authentication), so they are at most what arrived with the CONNECT, and the listener's byte limit before
 * CONNACK ({@code mqtt.max-bytes-before-connack}) bounds that.
 *
 * <p><b>Reading pauses</b> (socket auto-read off), so a client cannot make the node hold more than a bound for
 * it: before CONNACK (above); while its publishes waiting for the store exceed {@code mqtt.max-inbound-pending-bytes}
 * (the protocol asks for it, {@link #pauseReading}); and while it does not read the acknowledgements of its own
 * publishes (a PUBACK/PUBREC written to an unwritable socket pauses reading until the socket drains). The
 * keepalive does not count time paused for the store, which is the node's doing.
 *
 * <p>Thread: the connection's event loop; its Vert.x context runs on that same loop.
 */
public final class MqttConnection extends ChannelInboundHandlerAdapter implements ProtocolOutput {

    private static final int MAX_EARLY_PACKETS = 256;
    /** Why reading is paused; the socket is read again when no reason is left. */
    private static final int PAUSE_BEFORE_CONNACK = 1;
    private static final int PAUSE_STORE = 2;
    private static final int PAUSE_UNREAD_ACKS = 4;

    private final ProtocolServices services;
    private final ContextInternal context;
    private final KeepAlive keepAlive;
    private ClientProtocol channel;
    private io.netty.channel.Channel socket;
    private ChannelHandlerContext handlerContext;
    /** The client's address when a PROXY header gave it; otherwise the socket's, formatted on demand. */
    private String proxiedRemote;
    /** The CN of the client certificate the gateway verified, from its PROXY header; or null. */
    private String proxiedCertificateName;
    private boolean connectSeen;
    private boolean connackSent;
    private boolean closed;
    private boolean reading;
    private boolean flushPending;
    private int protocolVersion = 4;
    /** MQTT 5 state of the connection (aliases, limits, flow control); null for 3.1 / 3.1.1. */
    private Mqtt5Session v5;
    private ArrayDeque<MqttMessage> early;
    private long lastReadNanos;
    /** Close when nothing was read for this long: the CONNECT deadline, then 1.5 x keepalive; 0 for never. */
    private long idleLimitNanos;
    /** The idle limit the CONNECT asked for, while an AUTH exchange waits for the client under the connect deadline. */
    private long connectIdleLimitNanos;
    private final long connectTimeoutNanos;
    private int readPauses;

    MqttConnection(ProtocolServices services, ContextInternal context, KeepAlive keepAlive, long connectTimeoutMillis) {
        this.services = services;
        this.context = context;
        this.keepAlive = keepAlive;
        this.idleLimitNanos = TimeUnit.MILLISECONDS.toNanos(connectTimeoutMillis);
        this.connectTimeoutNanos = idleLimitNanos;
    }

    boolean isClosed() {
        return closed;
    }

    boolean expired(long now) {
        return idleLimitNanos > 0 && (readPauses & PAUSE_STORE) == 0 && now - lastReadNanos > idleLimitNanos;
    }

    /** No CONNECT within the deadline, or nothing within 1.5 x keepalive: abnormal (the will applies). */
    void timedOut() {
        if (channel != null) {
            channel.close(channel.isConnecting() ? CloseReason.CONNECTION_LOST : CloseReason.KEEPALIVE_TIMEOUT);
        } else {
            socket.close();
        }
    }

    public ClientProtocol channel() {
        return channel;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        socket = ctx.channel();
        handlerContext = ctx;
        lastReadNanos = System.nanoTime();
        keepAlive.add(this);
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        reading = true;
        lastReadNanos = System.nanoTime();
        if (msg instanceof HAProxyMessage proxy) {
            try {
                if (proxy.sourceAddress() != null) {
                    proxiedRemote = proxy.sourceAddress() + ":" + proxy.sourcePort();
                }
                proxiedCertificateName = ProxiedTls.certificateName(proxy);
            } finally {
                proxy.release();
            }
            return;
        }
        if (!(msg instanceof MqttMessage m)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        try {
            DecoderResult result = m.decoderResult();
            if (result.isFailure()) {
                badInput(result.cause());
                return;
            }
            if (v5 != null || (!connectSeen && m instanceof MqttConnectMessage c && c.variableHeader().version() >= 5)) {
                String misplaced = Mqtt5Properties.misplaced(m);
                if (misplaced != null) {
                    badInput(new io.netty.handler.codec.DecoderException(misplaced)); // Malformed Packet
                    return;
                }
            }
            if (connectSeen && channel == null) {
                return; // the CONNECT was refused and the socket is closing: packets read with it are dropped
            }
            if (!connectSeen) {
                if (m.fixedHeader().messageType() != MqttMessageType.CONNECT) {
                    badInput(new IllegalStateException("first packet is " + m.fixedHeader().messageType() + ", not CONNECT"));
                    return;
                }
                connectSeen = true;
                onConnect(ctx, (MqttConnectMessage) m);
                return;
            }
            if (channel.isConnecting() && m.fixedHeader().messageType() == MqttMessageType.AUTH && v5 != null) {
                // the enhanced authentication exchange before CONNACK: the client answered, the node works again
                idleLimitNanos = connectIdleLimitNanos;
                pause(PAUSE_BEFORE_CONNACK);
                channel.onAuth(NettyPackets.auth(m));
                return;
            }
            if (channel.isConnecting()) {
                // sent before our CONNACK: keep it until the session is claimed
                if (early == null) {
                    early = new ArrayDeque<>();
                }
                if (early.size() >= MAX_EARLY_PACKETS) {
                    badInput(new IllegalStateException("more than " + MAX_EARLY_PACKETS + " packets before CONNACK"));
                    return;
                }
                early.addLast(m);
                m = null; // retained in the queue
                return;
            }
            dispatch(m);
        } finally {
            if (m != null) {
                ReferenceCountUtil.release(m);
            }
        }
    }

    private void dispatch(MqttMessage m) {
        switch (m.fixedHeader().messageType()) {
            case PUBLISH -> {
                Packets.Publish p = NettyPackets.publish((MqttPublishMessage) m, protocolVersion);
                if (v5 != null) {
                    p = v5.inbound(p);
                    if (p == null) {
                        return; // closed with its reason code
                    }
                }
                channel.onPublish(p);
            }
            case PUBACK -> channel.onPuback(NettyPackets.packetId(m));
            case PUBREC -> channel.onPubrec(NettyPackets.packetId(m));
            case PUBREL -> channel.onPubrel(NettyPackets.packetId(m));
            case PUBCOMP -> channel.onPubcomp(NettyPackets.packetId(m));
            case SUBSCRIBE -> channel.onSubscribe(NettyPackets.subscribe((MqttSubscribeMessage) m));
            case UNSUBSCRIBE -> channel.onUnsubscribe(NettyPackets.unsubscribe((MqttUnsubscribeMessage) m));
            case PINGREQ -> send(MqttMessage.PINGRESP);
            case DISCONNECT -> {
                channel.onDisconnect(NettyPackets.disconnect(m));
                socket.close();
            }
            case AUTH -> {
                if (v5 == null) {
                    badInput(new IllegalStateException("AUTH from an MQTT " + protocolVersion + " client"));
                } else {
                    channel.onAuth(NettyPackets.auth(m));
                }
            }
            case CONNECT -> {
                // [MQTT-3.1.0-2] a second CONNECT is a protocol violation
                channel.onConnect(null);
            }
            default -> badInput(new IllegalStateException("unexpected " + m.fixedHeader().messageType() + " from a client"));
        }
    }

    private void onConnect(ChannelHandlerContext ctx, MqttConnectMessage m) {
        MqttConnectVariableHeader h = m.variableHeader();
        protocolVersion = h.version();
        // the CONNECT deadline is over; from now on the keepalive applies: 1.5 x [MQTT-3.1.2-24], 0 for never
        idleLimitNanos = h.keepAliveTimeSeconds() > 0 ? TimeUnit.MILLISECONDS.toNanos(h.keepAliveTimeSeconds() * 1500L) : 0;
        connectIdleLimitNanos = idleLimitNanos;
        pause(PAUSE_BEFORE_CONNACK); // what the client sends next waits in its socket until CONNACK
        Packets.Connect connect;
        try {
            connect = NettyPackets.connect(m);
        } catch (IllegalStateException malformed) {
            badInput(malformed);
            return;
        }
        if (protocolVersion >= 5) {
            v5 = new Mqtt5Session(this, services.config(), connect.v5());
        }
        services.metrics().connectionOpened(protocolVersion);
        channel = new ClientProtocol(services, this, context);
        channel.onConnect(connect);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        if (socket.isWritable()) {
            resume(PAUSE_UNREAD_ACKS);
            if (channel != null) {
                channel.onWritable();
            }
        }
        super.channelWritabilityChanged(ctx);
    }

    private void pause(int why) {
        if (readPauses == 0 && socket != null) {
            socket.config().setAutoRead(false);
        }
        readPauses |= why;
    }

    private void resume(int why) {
        if ((readPauses & why) == 0) {
            return;
        }
        readPauses &= ~why;
        if (readPauses == 0 && !closed) {
            lastReadNanos = System.nanoTime(); // a pause is not the client's silence
            socket.config().setAutoRead(true);
        }
    }

    @Override
    public void pauseReading(boolean paused) {
        if (paused) {
            pause(PAUSE_STORE);
        } else {
            resume(PAUSE_STORE);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        closed = true;
        if (early != null) {
            early.forEach(ReferenceCountUtil::release);
            early = null;
        }
        if (channel != null) {
            channel.onClosed();
            CloseReason reason = channel.closeReason();
            services.metrics().connectionClosed(reason == null ? "connection_lost" : reason.label(), protocolVersion);
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (BadInputLog.isInputError(cause)) {
            badInput(cause);
            return;
        }
        // not the peer's bytes but our code (this handler's own channelRead lands here too): a bug, said as one
        BadInputLog.internalError(remoteAddress(), cause);
        if (channel != null) {
            channel.close(CloseReason.PROTOCOL_ERROR, ReasonCode.IMPLEMENTATION_SPECIFIC_ERROR);
        } else if (socket != null) {
            socket.close();
        }
    }

    /** Malformed or unexpected input: one rate-limited line, then this connection closes (others go on). */
    private void badInput(Throwable cause) {
        if (cause instanceof MqttUnacceptableProtocolVersionException) {
            // [MQTT-3.1.2-2] unsupported protocol level: CONNACK 0x01, then close
            writeConnack(NettyPackets.connack(Refusal.UNSUPPORTED_PROTOCOL.code(4), false, null, 4), true);
            return;
        }
        if (cause instanceof MqttIdentifierRejectedException) {
            writeConnack(NettyPackets.connack(Refusal.CLIENT_ID_REJECTED.code(protocolVersion), false, null, protocolVersion), true);
            return;
        }
        BadInputLog.report(remoteAddress(), cause);
        if (channel != null) {
            channel.close(CloseReason.PROTOCOL_ERROR, cause instanceof io.netty.handler.codec.TooLongFrameException
                    ? ReasonCode.PACKET_TOO_LARGE : ReasonCode.MALFORMED_PACKET);
        } else if (socket != null) {
            socket.close();
        }
    }

    private static String format(SocketAddress a) {
        if (a instanceof InetSocketAddress i) {
            return i.getAddress().getHostAddress() + ":" + i.getPort();
        }
        return String.valueOf(a);
    }

    // ------------------------------------------------------------------ ProtocolOutput

    @Override
    public void connackAccepted(Accepted accepted) {
        MqttProperties props = null;
        if (v5 != null) {
            props = v5.connackProperties(accepted);
            if (accepted.serverKeepAlive() >= 0) {
                idleLimitNanos = TimeUnit.MILLISECONDS.toNanos(accepted.serverKeepAlive() * 1500L);
            }
        }
        writeConnack(NettyPackets.connack(0, accepted.sessionPresent(), props, protocolVersion), false);
        connackSent = true;
        if (socket.pipeline().get(MqttListener.CONNECT_LIMIT) != null) {
            socket.pipeline().remove(MqttListener.CONNECT_LIMIT);
        }
        resume(PAUSE_BEFORE_CONNACK);
        if (early != null) {
            // after the channel finished accepting: the packets sent before the CONNACK, in order
            socket.eventLoop().execute(this::replayEarly);
        }
    }

    private void replayEarly() {
        ArrayDeque<MqttMessage> queued = early;
        early = null;
        if (queued == null) {
            return;
        }
        for (MqttMessage m : queued) {
            try {
                if (!closed) {
                    dispatch(m);
                }
            } finally {
                ReferenceCountUtil.release(m);
            }
        }
    }

    @Override
    public void auth(int reasonCode, String method, byte[] data) {
        if (!closed) {
            send(NettyPackets.auth(reasonCode, method, data));
            if (!connackSent) {
                // waiting for the client's answer: the connect deadline applies, even with keepalive 0
                idleLimitNanos = connectTimeoutNanos;
                lastReadNanos = System.nanoTime();
                resume(PAUSE_BEFORE_CONNACK);
            }
        }
    }

    @Override
    public void connackRefused(Refusal refusal, String reasonString) {
        writeConnack(NettyPackets.connack(refusal.code(protocolVersion), false, NettyPackets.reasonString(reasonString),
                protocolVersion), true);
    }

    private void writeConnack(MqttMessage connack, boolean thenClose) {
        if (closed || socket == null) {
            return;
        }
        if (thenClose) {
            // [MQTT-3.2.2-5] a refusing CONNACK is followed by closing the connection
            socket.writeAndFlush(connack).addListener(ChannelFutureListener.CLOSE);
        } else {
            send(connack);
        }
    }

    @Override
    public void publish(int packetId, Message message, int qos, boolean dup, boolean retain, int[] subscriptionIds) {
        if (closed) {
            return;
        }
        send(v5 == null ? NettyPackets.publish(packetId, message, qos, dup, retain)
                : v5.publish(packetId, message, qos, dup, retain, subscriptionIds));
    }

    @Override
    public boolean fits(Message message, int[] subscriptionIds) {
        return v5 == null || v5.fits(message, subscriptionIds);
    }

    private void ack(MqttFixedHeader h, int packetId, int reasonCode) {
        if (!closed) {
            send(reasonCode == 0 || v5 == null ? NettyPackets.ack(h, packetId) : NettyPackets.ack5(h, packetId, reasonCode));
            if (!socket.isWritable()) {
                pause(PAUSE_UNREAD_ACKS); // it publishes and does not read what we answer: stop reading more
            }
        }
    }

    @Override
    public void puback(int packetId, int reasonCode) {
        ack(NettyPackets.PUBACK, packetId, reasonCode);
        if (v5 != null) {
            v5.acknowledged(packetId);
        }
    }

    @Override
    public void pubrec(int packetId, int reasonCode) {
        ack(NettyPackets.PUBREC, packetId, reasonCode);
        if (v5 != null && reasonCode >= 0x80) {
            v5.acknowledged(packetId); // a failed PUBREC ends the exchange (MQTT 5.0 section 4.9)
        }
    }

    @Override
    public void pubrel(int packetId, int reasonCode) {
        ack(NettyPackets.PUBREL, packetId, reasonCode);
    }

    @Override
    public void pubcomp(int packetId, int reasonCode) {
        ack(NettyPackets.PUBCOMP, packetId, reasonCode);
        if (v5 != null) {
            v5.acknowledged(packetId);
        }
    }

    @Override
    public void suback(int packetId, int[] codes) {
        if (!closed) {
            send(NettyPackets.suback(packetId, codes));
        }
    }

    @Override
    public void unsuback(int packetId, int[] codes) {
        if (!closed) {
            send(NettyPackets.unsuback(packetId, codes, protocolVersion));
        }
    }

    @Override
    public boolean writable() {
        return !closed && socket.isWritable();
    }

    @Override
    public void close(CloseReason reason, int reasonCode) {
        if (closed || socket == null) {
            return;
        }
        if (v5 != null && connackSent && reasonCode >= 0) {
            // MQTT 5: the client learns why [MQTT-4.13.2-1]; flushed with what was written before it
            services.metrics().disconnectSent(reasonCode);
            socket.writeAndFlush(NettyPackets.disconnect(reasonCode, reason.label())).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        socket.close();
    }

    /** Closes with a protocol error of the MQTT 5 session layer (topic alias, receive maximum). */
    void protocolError(int reasonCode, String detail) {
        BadInputLog.report(remoteAddress(), new IllegalStateException(detail));
        channel.close(CloseReason.PROTOCOL_ERROR, reasonCode);
    }

    @Override
    public String certificateName() {
        if (proxiedCertificateName != null) {
            return proxiedCertificateName;
        }
        SslHandler tls = socket == null ? null : socket.pipeline().get(SslHandler.class);
        if (tls == null) {
            return null;
        }
        try {
            java.security.cert.Certificate[] chain = tls.engine().getSession().getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof java.security.cert.X509Certificate x
                    ? TlsContext.commonName(x) : null;
        } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
            return null;
        }
    }

    @Override
    public String remoteAddress() {
        if (proxiedRemote != null) {
            return proxiedRemote;
        }
        return socket == null ? "-" : format(socket.remoteAddress());
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        reading = false;
        if (flushPending) {
            flushPending = false;
            ctx.flush();
        }
        super.channelReadComplete(ctx);
    }

    /**
     * Writes without flushing: one flush per read batch (at read-complete) or, for writes coming from
     * elsewhere (deliveries, store answers), once after the tasks that run in this loop turn.
     */
    private void send(Object msg) {
        handlerContext.write(msg, socket.voidPromise());
        if (flushPending) {
            return;
        }
        flushPending = true;
        if (!reading) {
            socket.eventLoop().execute(this::flushNow);
        }
    }

    private void flushNow() {
        if (flushPending) {
            flushPending = false;
            handlerContext.flush();
        }
    }
}
