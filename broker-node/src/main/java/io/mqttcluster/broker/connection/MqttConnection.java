package io.mqttcluster.broker.connection;

import io.mqttcluster.broker.channel.Channel;
import io.mqttcluster.broker.channel.ChannelOutput;
import io.mqttcluster.broker.channel.ChannelServices;
import io.mqttcluster.broker.channel.CloseReason;
import io.mqttcluster.broker.channel.Packets;
import io.mqttcluster.broker.mqtt.Refusal;
import io.mqttcluster.cluster.message.Message;
import io.mqttcluster.cluster.session.SubOptions;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.codec.mqtt.MqttConnAckVariableHeader;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectPayload;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttConnectVariableHeader;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttIdentifierRejectedException;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPubAckMessage;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttSubAckPayload;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption;
import io.netty.handler.codec.mqtt.MqttTopicSubscription;
import io.netty.handler.codec.mqtt.MqttUnacceptableProtocolVersionException;
import io.netty.handler.codec.mqtt.MqttUnsubAckMessage;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.internal.ContextInternal;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Owns one client's socket: the last handler of its Netty pipeline ({@link MqttServer} builds it: PROXY
 * header decoder when configured, idle timer, Netty's MQTT decoder and encoder, this). It turns decoded
 * packets into {@link Channel} calls and the channel's actions into packets, and it is the only place a
 * connection is closed, with its log line and metric.
 *
 * <p>Writes are never flushed one by one: once per read batch, or once per event-loop turn for writes that
 * come from elsewhere. Back-pressure is the channel's own writability (high and low water
 * marks in bytes, {@code mqtt.max-pending-bytes}): while the socket cannot take more, the channel holds QoS
 * 1/2 messages back and drops QoS 0; when it drains, the channel is told.
 *
 * <p>Packets a client sends right after CONNECT, before our CONNACK (the spec allows it), wait here until
 * the session is claimed.
 *
 * <p>Thread: the connection's event loop; its Vert.x context runs on that same loop.
 */
public final class MqttConnection extends ChannelInboundHandlerAdapter implements ChannelOutput {

    private static final int MAX_EARLY_PACKETS = 256;

    private final ChannelServices services;
    private final ContextInternal context;
    private final KeepAlive keepAlive;
    private Channel channel;
    private io.netty.channel.Channel socket;
    private ChannelHandlerContext handlerContext;
    /** The client's address when a PROXY header gave it; otherwise the socket's, formatted on demand. */
    private String proxiedRemote;
    /** The CN of the client certificate the gateway verified, from its PROXY header; or null. */
    private String proxiedCertificateName;
    private boolean connectSeen;
    private boolean closed;
    private boolean reading;
    private boolean flushPending;
    private int protocolVersion = 4;
    private ArrayDeque<MqttMessage> early;
    private long lastReadNanos;
    /** Close when nothing was read for this long: the CONNECT deadline, then 1.5 x keepalive; 0 for never. */
    private long idleLimitNanos;

    MqttConnection(ChannelServices services, ContextInternal context, KeepAlive keepAlive, long connectTimeoutMillis) {
        this.services = services;
        this.context = context;
        this.keepAlive = keepAlive;
        this.idleLimitNanos = TimeUnit.MILLISECONDS.toNanos(connectTimeoutMillis);
    }

    boolean isClosed() {
        return closed;
    }

    boolean expired(long now) {
        return idleLimitNanos > 0 && now - lastReadNanos > idleLimitNanos;
    }

    /** No CONNECT within the deadline, or nothing within 1.5 x keepalive: abnormal (the will applies). */
    void timedOut() {
        if (channel != null) {
            channel.close(CloseReason.CONNECTION_LOST);
        } else {
            socket.close();
        }
    }

    public Channel channel() {
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
            if (!connectSeen) {
                if (m.fixedHeader().messageType() != MqttMessageType.CONNECT) {
                    badInput(new IllegalStateException("first packet is " + m.fixedHeader().messageType() + ", not CONNECT"));
                    return;
                }
                connectSeen = true;
                onConnect(ctx, (MqttConnectMessage) m);
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
                MqttPublishMessage p = (MqttPublishMessage) m;
                ByteBuf content = p.content();
                byte[] payload = new byte[content.readableBytes()];
                content.getBytes(content.readerIndex(), payload);
                MqttFixedHeader h = p.fixedHeader();
                channel.onPublish(new Packets.Publish(p.variableHeader().packetId(), p.variableHeader().topicName(),
                        payload, h.qosLevel().value(), h.isDup(), h.isRetain()));
            }
            case PUBACK -> channel.onPuback(packetId(m));
            case PUBREC -> channel.onPubrec(packetId(m));
            case PUBREL -> channel.onPubrel(packetId(m));
            case PUBCOMP -> channel.onPubcomp(packetId(m));
            case SUBSCRIBE -> channel.onSubscribe(toSubscribe((MqttSubscribeMessage) m));
            case UNSUBSCRIBE -> {
                MqttUnsubscribeMessage u = (MqttUnsubscribeMessage) m;
                channel.onUnsubscribe(new Packets.Unsubscribe(u.variableHeader().messageId(), u.payload().topics()));
            }
            case PINGREQ -> send(MqttMessage.PINGRESP);
            case DISCONNECT -> {
                channel.onDisconnect();
                socket.close();
            }
            case CONNECT -> {
                // [MQTT-3.1.0-2] a second CONNECT is a protocol violation
                channel.onConnect(null);
            }
            default -> badInput(new IllegalStateException("unexpected " + m.fixedHeader().messageType() + " from a client"));
        }
    }

    private static int packetId(MqttMessage m) {
        Object v = m.variableHeader();
        if (v instanceof MqttMessageIdVariableHeader id) {
            return id.messageId();
        }
        return 0;
    }

    private void onConnect(ChannelHandlerContext ctx, MqttConnectMessage m) {
        MqttConnectVariableHeader h = m.variableHeader();
        protocolVersion = h.version();
        // the CONNECT deadline is over; from now on the keepalive applies: 1.5 x [MQTT-3.1.2-24], 0 for never
        idleLimitNanos = h.keepAliveTimeSeconds() > 0 ? TimeUnit.MILLISECONDS.toNanos(h.keepAliveTimeSeconds() * 1500L) : 0;
        MqttConnectPayload p = m.payload();
        Packets.Will will = null;
        if (h.isWillFlag()) {
            if (p.willTopic() == null || p.willTopic().isEmpty() || p.willMessageInBytes() == null) {
                badInput(new IllegalStateException("will flag without a will topic and message")); // [MQTT-3.1.2-9]
                return;
            }
            int delay = 0;
            MqttProperties wp = p.willProperties();
            MqttProperties.MqttProperty<?> d = wp == null ? null : wp.getProperty(MqttProperties.MqttPropertyType.WILL_DELAY_INTERVAL.value());
            if (d != null) {
                delay = (Integer) d.value();
            }
            will = new Packets.Will(p.willTopic(), p.willMessageInBytes(), h.willQos(), h.isWillRetain(), delay);
        } else if (h.willQos() != 0 || h.isWillRetain()) {
            badInput(new IllegalStateException("will QoS or retain without a will")); // [MQTT-3.1.2-11]
            return;
        }
        long expiry = -1;
        int receiveMax = 65_535;
        MqttProperties props = h.properties();
        if (protocolVersion >= 5) {
            expiry = 0; // absent means 0 in MQTT 5
            if (props != null) {
                MqttProperties.MqttProperty<?> se = props.getProperty(MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL.value());
                if (se != null) {
                    expiry = Integer.toUnsignedLong((Integer) se.value());
                }
                MqttProperties.MqttProperty<?> rm = props.getProperty(MqttProperties.MqttPropertyType.RECEIVE_MAXIMUM.value());
                if (rm != null) {
                    receiveMax = (Integer) rm.value();
                }
            }
        }
        services.metrics().connectionOpened();
        channel = new Channel(services, this, context);
        channel.onConnect(new Packets.Connect(protocolVersion, p.clientIdentifier(), h.isCleanSession(),
                h.keepAliveTimeSeconds(), h.hasUserName() ? p.userName() : null,
                h.hasPassword() ? p.passwordInBytes() : null, will, expiry, receiveMax));
    }

    private static Packets.Subscribe toSubscribe(MqttSubscribeMessage s) {
        int subscriptionId = 0;
        MqttProperties props = s.idAndPropertiesVariableHeader().properties();
        if (props != null) {
            MqttProperties.MqttProperty<?> id = props.getProperty(MqttProperties.MqttPropertyType.SUBSCRIPTION_IDENTIFIER.value());
            if (id != null) {
                subscriptionId = (Integer) id.value();
            }
        }
        List<Packets.TopicRequest> requests = new ArrayList<>(s.payload().topicSubscriptions().size());
        for (MqttTopicSubscription t : s.payload().topicSubscriptions()) {
            MqttSubscriptionOption o = t.option();
            requests.add(new Packets.TopicRequest(t.topicName(), new SubOptions(t.qualityOfService().value(),
                    o.isNoLocal(), o.isRetainAsPublished(), o.retainHandling().value(), subscriptionId)));
        }
        return new Packets.Subscribe(s.variableHeader().messageId(), requests);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        if (socket.isWritable() && channel != null) {
            channel.onWritable();
        }
        super.channelWritabilityChanged(ctx);
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
            services.metrics().connectionClosed(reason == null ? "connection_lost" : reason.label());
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        badInput(cause);
    }

    /** Malformed or unexpected input: one rate-limited line, then this connection closes (others go on). */
    private void badInput(Throwable cause) {
        if (cause instanceof MqttUnacceptableProtocolVersionException) {
            // [MQTT-3.1.2-2] unsupported protocol level: CONNACK 0x01, then close
            writeConnack(MqttConnectReturnCode.CONNECTION_REFUSED_UNACCEPTABLE_PROTOCOL_VERSION, false, null, true);
            return;
        }
        if (cause instanceof MqttIdentifierRejectedException) {
            writeConnack(MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED, false, null, true);
            return;
        }
        BadInputLog.report(remoteAddress(), cause);
        if (channel != null) {
            channel.close(CloseReason.PROTOCOL_ERROR);
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

    // ------------------------------------------------------------------ ChannelOutput

    @Override
    public void connackAccepted(boolean sessionPresent, String assignedClientId) {
        MqttProperties props = null;
        if (assignedClientId != null && protocolVersion >= 5) {
            props = new MqttProperties();
            props.add(new MqttProperties.StringProperty(MqttProperties.MqttPropertyType.ASSIGNED_CLIENT_IDENTIFIER.value(),
                    assignedClientId));
        }
        writeConnack(MqttConnectReturnCode.CONNECTION_ACCEPTED, sessionPresent, props, false);
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
    public void connackRefused(Refusal refusal) {
        writeConnack(MqttConnectReturnCode.valueOf((byte) refusal.code(protocolVersion)), false, null, true);
    }

    private void writeConnack(MqttConnectReturnCode code, boolean sessionPresent, MqttProperties props, boolean thenClose) {
        if (closed || socket == null) {
            return;
        }
        MqttMessage connack = new io.netty.handler.codec.mqtt.MqttConnAckMessage(
                new MqttFixedHeader(MqttMessageType.CONNACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                new MqttConnAckVariableHeader(code, sessionPresent, props == null ? MqttProperties.NO_PROPERTIES : props));
        if (thenClose) {
            // [MQTT-3.2.2-5] a refusing CONNACK is followed by closing the connection
            socket.writeAndFlush(connack).addListener(ChannelFutureListener.CLOSE);
        } else {
            send(connack);
        }
    }

    @Override
    public void publish(int packetId, Message message, int qos, boolean dup, boolean retain) {
        if (closed) {
            return;
        }
        MqttPublishMessage p = new MqttPublishMessage(PUBLISH_HEADERS[qos * 4 + (dup ? 2 : 0) + (retain ? 1 : 0)],
                new MqttPublishVariableHeader(message.topic(), packetId),
                Unpooled.wrappedBuffer(message.payload())); // no copy: payloads are never modified
        send(p);
    }

    /** PUBLISH fixed headers by QoS, DUP and RETAIN (immutable, so shared). */
    private static final MqttFixedHeader[] PUBLISH_HEADERS = new MqttFixedHeader[12];

    static {
        for (int q = 0; q < 3; q++) {
            for (int f = 0; f < 4; f++) {
                PUBLISH_HEADERS[q * 4 + f] = new MqttFixedHeader(MqttMessageType.PUBLISH, (f & 2) != 0, MqttQoS.valueOf(q), (f & 1) != 0, 0);
            }
        }
    }

    // fixed headers are immutable: one of each for the acknowledgements
    private static final MqttFixedHeader PUBACK_HEADER = new MqttFixedHeader(MqttMessageType.PUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0);
    private static final MqttFixedHeader PUBREC_HEADER = new MqttFixedHeader(MqttMessageType.PUBREC, false, MqttQoS.AT_MOST_ONCE, false, 0);
    private static final MqttFixedHeader PUBREL_HEADER = new MqttFixedHeader(MqttMessageType.PUBREL, false, MqttQoS.AT_LEAST_ONCE, false, 0);
    private static final MqttFixedHeader PUBCOMP_HEADER = new MqttFixedHeader(MqttMessageType.PUBCOMP, false, MqttQoS.AT_MOST_ONCE, false, 0);

    private void ack(MqttFixedHeader h, int packetId) {
        if (closed) {
            return;
        }
        MqttMessageIdVariableHeader id = MqttMessageIdVariableHeader.from(packetId);
        send(h == PUBACK_HEADER ? new MqttPubAckMessage(h, id) : new MqttMessage(h, id));
    }

    @Override
    public void puback(int packetId) {
        ack(PUBACK_HEADER, packetId);
    }

    @Override
    public void pubrec(int packetId) {
        ack(PUBREC_HEADER, packetId);
    }

    @Override
    public void pubrel(int packetId) {
        ack(PUBREL_HEADER, packetId);
    }

    @Override
    public void pubcomp(int packetId) {
        ack(PUBCOMP_HEADER, packetId);
    }

    @Override
    public void suback(int packetId, int[] codes) {
        if (closed) {
            return;
        }
        send(new MqttSubAckMessage(new MqttFixedHeader(MqttMessageType.SUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                MqttMessageIdVariableHeader.from(packetId), new MqttSubAckPayload(codes)));
    }

    @Override
    public void unsuback(int packetId, int count) {
        if (closed) {
            return;
        }
        send(new MqttUnsubAckMessage(new MqttFixedHeader(MqttMessageType.UNSUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                MqttMessageIdVariableHeader.from(packetId)));
    }

    @Override
    public boolean writable() {
        return !closed && socket.isWritable();
    }

    @Override
    public void close(CloseReason reason) {
        if (!closed && socket != null) {
            socket.close();
        }
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
