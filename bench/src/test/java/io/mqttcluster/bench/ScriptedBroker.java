package io.mqttcluster.bench;

import io.mqttcluster.bench.measure.Payload;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttTopicSubscription;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A small MQTT broker for the tool's own tests, built on Netty's reference MQTT codec (so the tool's hand-written codec
 * is checked against another implementation). It routes publishes to matching subscribers (wildcards, shared groups
 * round-robin), runs the QoS 1/2 flows in both directions, and applies a fault script to chosen messages: drop,
 * duplicate, swap with the next one, or repeat a QoS 2 PUBLISH with the same packet id before PUBREL. It also
 * measures what the tests check from the outside: how many messages sat in the broker at once, how many QoS 1
 * publishes a client had unacknowledged, which source addresses connected.
 *
 * <p>One event-loop thread: all state below is touched only there, except the atomic counters.
 */
final class ScriptedBroker implements AutoCloseable {

    enum Fault { DROP, DUPLICATE, SWAP_WITH_NEXT, QOS2_REPEAT_SAME_ID, SWALLOW }

    private static final class Rule {
        final int publisher;
        final long seq;
        final String subscriberSuffix;
        final Fault fault;

        Rule(int publisher, long seq, String subscriberSuffix, Fault fault) {
            this.publisher = publisher;
            this.seq = seq;
            this.subscriberSuffix = subscriberSuffix;
            this.fault = fault;
        }
    }

    private final class Conn {
        final Channel ch;
        String clientId = "";
        final List<String[]> subs = new ArrayList<>(); // {filter, qos, group or null}
        int nextId = 1;
        final Map<Integer, ByteBuf> inboundQos2 = new HashMap<>();
        final Map<Integer, String> inboundQos2Topic = new HashMap<>();
        final Set<Integer> outboundUnacked = ConcurrentHashMap.newKeySet();
        final Set<Integer> pubrelSent = ConcurrentHashMap.newKeySet();
        int inboundUnacked;
        final Map<Integer, MqttPublishMessage> held = new HashMap<>(); // publisher -> message held for a swap

        Conn(Channel ch) {
            this.ch = ch;
        }

        int nextPacketId() {
            int id = nextId;
            nextId = nextId == 65535 ? 1 : nextId + 1;
            return id;
        }
    }

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;
    private final List<Rule> rules = new ArrayList<>();
    private final Map<Channel, Conn> conns = new LinkedHashMap<>();
    private final Map<String, Integer> sharedCursor = new HashMap<>();

    private volatile long deliveryDelayMillis;
    private volatile long pubAckDelayMillis;
    private volatile int receiveMaximum;

    final AtomicLong publishesIn = new AtomicLong();
    final AtomicLong deliveriesOut = new AtomicLong();
    final AtomicLong protocolErrors = new AtomicLong();
    final AtomicLong connects = new AtomicLong();
    private long pendingDeliveries;
    final AtomicLong maxPendingDeliveries = new AtomicLong();
    final AtomicLong maxInboundUnacked = new AtomicLong();
    final Set<String> sourceAddresses = ConcurrentHashMap.newKeySet();

    ScriptedBroker() {
        server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new MqttDecoder(1 << 20), MqttEncoder.INSTANCE, new Handler());
                    }
                })
                .bind("127.0.0.1", 0).syncUninterruptibly().channel();
    }

    /** Subscriptions currently held by connected clients. */
    int subscriptions() {
        return group.submit(() -> conns.values().stream().mapToInt(c -> c.subs.size()).sum()).syncUninterruptibly().getNow();
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** Drops message {@code seq} of {@code publisher} (for every subscriber, or those whose id ends with suffix). */
    ScriptedBroker drop(int publisher, long seq, String subscriberSuffix) {
        return rule(publisher, seq, subscriberSuffix, Fault.DROP);
    }

    ScriptedBroker duplicate(int publisher, long seq, String subscriberSuffix) {
        return rule(publisher, seq, subscriberSuffix, Fault.DUPLICATE);
    }

    ScriptedBroker swapWithNext(int publisher, long seq, String subscriberSuffix) {
        return rule(publisher, seq, subscriberSuffix, Fault.SWAP_WITH_NEXT);
    }

    ScriptedBroker qos2RepeatSameId(int publisher, long seq, String subscriberSuffix) {
        return rule(publisher, seq, subscriberSuffix, Fault.QOS2_REPEAT_SAME_ID);
    }

    private ScriptedBroker rule(int publisher, long seq, String suffix, Fault fault) {
        group.submit(() -> rules.add(new Rule(publisher, seq, suffix, fault))).syncUninterruptibly();
        return this;
    }

    /** Neither routes nor acknowledges message {@code seq} of {@code publisher} (as if the broker died with it). */
    ScriptedBroker swallow(int publisher, long seq) {
        return rule(publisher, seq, null, Fault.SWALLOW);
    }

    ScriptedBroker deliveryDelayMillis(long millis) {
        this.deliveryDelayMillis = millis;
        return this;
    }

    ScriptedBroker pubAckDelayMillis(long millis) {
        this.pubAckDelayMillis = millis;
        return this;
    }

    /** MQTT 5 Receive Maximum sent in CONNACK (0 = not sent). */
    ScriptedBroker receiveMaximum(int max) {
        this.receiveMaximum = max;
        return this;
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final class Handler extends SimpleChannelInboundHandler<MqttMessage> {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            conns.put(ctx.channel(), new Conn(ctx.channel()));
            sourceAddresses.add(((InetSocketAddress) ctx.channel().remoteAddress()).getAddress().getHostAddress());
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            Conn c = conns.remove(ctx.channel());
            if (c != null) {
                c.inboundQos2.values().forEach(ByteBuf::release);
                c.held.values().forEach(MqttPublishMessage::release);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, MqttMessage msg) {
            Conn c = conns.get(ctx.channel());
            if (msg.decoderResult().isFailure()) {
                protocolErrors.incrementAndGet();
                ctx.close();
                return;
            }
            switch (msg.fixedHeader().messageType()) {
                case CONNECT: {
                    MqttConnectMessage m = (MqttConnectMessage) msg;
                    c.clientId = m.payload().clientIdentifier();
                    connects.incrementAndGet();
                    MqttProperties props = MqttProperties.NO_PROPERTIES;
                    if (m.variableHeader().version() == 5 && receiveMaximum > 0) {
                        props = new MqttMessageBuilders.ConnAckPropertiesBuilder().receiveMaximum(receiveMaximum).build();
                    }
                    MqttConnAckMessage ack = MqttMessageBuilders.connAck()
                            .returnCode(MqttConnectReturnCode.CONNECTION_ACCEPTED).sessionPresent(false)
                            .properties(props).build();
                    ctx.writeAndFlush(ack);
                    break;
                }
                case SUBSCRIBE: {
                    MqttSubscribeMessage m = (MqttSubscribeMessage) msg;
                    List<MqttQoS> granted = new ArrayList<>();
                    for (MqttTopicSubscription s : m.payload().topicSubscriptions()) {
                        String f = s.topicFilter();
                        String grp = null;
                        if (f.startsWith("$share/")) {
                            int slash = f.indexOf('/', 7);
                            grp = f.substring(7, slash);
                            f = f.substring(slash + 1);
                        }
                        c.subs.add(new String[] {f, Integer.toString(s.qualityOfService().value()), grp});
                        granted.add(s.qualityOfService());
                    }
                    ctx.writeAndFlush(MqttMessageBuilders.subAck().packetId(m.variableHeader().messageId())
                            .addGrantedQoses(granted.toArray(new MqttQoS[0])).build());
                    break;
                }
                case PUBLISH:
                    onPublish(ctx, c, (MqttPublishMessage) msg);
                    break;
                case PUBREL: {
                    int id = ((MqttMessageIdVariableHeader) msg.variableHeader()).messageId();
                    ByteBuf payload = c.inboundQos2.remove(id);
                    String topic = c.inboundQos2Topic.remove(id);
                    if (payload != null) {
                        route(topic, payload, 2);
                        payload.release();
                    }
                    ctx.writeAndFlush(idMessage(MqttMessageType.PUBCOMP, id));
                    break;
                }
                case PUBACK:
                case PUBCOMP: {
                    int id = ((MqttMessageIdVariableHeader) msg.variableHeader()).messageId();
                    if (!c.outboundUnacked.remove(id)) {
                        protocolErrors.incrementAndGet();
                    }
                    c.pubrelSent.remove(id);
                    break;
                }
                case PUBREC: {
                    int id = ((MqttMessageIdVariableHeader) msg.variableHeader()).messageId();
                    if (!c.outboundUnacked.contains(id)) {
                        protocolErrors.incrementAndGet();
                    } else if (c.pubrelSent.add(id)) {
                        ctx.writeAndFlush(idMessage(MqttMessageType.PUBREL, id));
                    }
                    break;
                }
                case PINGREQ:
                    ctx.writeAndFlush(new MqttMessage(new MqttFixedHeader(MqttMessageType.PINGRESP, false, MqttQoS.AT_MOST_ONCE, false, 0)));
                    break;
                case DISCONNECT:
                    ctx.close();
                    break;
                default:
                    protocolErrors.incrementAndGet();
            }
        }
    }

    private void onPublish(ChannelHandlerContext ctx, Conn c, MqttPublishMessage m) {
        publishesIn.incrementAndGet();
        int qos = m.fixedHeader().qosLevel().value();
        int id = m.variableHeader().packetId();
        String topic = m.variableHeader().topicName();
        ByteBuf body = m.payload();
        if (Payload.isBench(body)) {
            for (Rule r : rules) {
                if (r.fault == Fault.SWALLOW && r.publisher == Payload.publisher(body) && r.seq == Payload.sequence(body)) {
                    return;
                }
            }
        }
        if (qos == 2) {
            if (!c.inboundQos2.containsKey(id)) {
                c.inboundQos2.put(id, m.payload().retainedDuplicate());
                c.inboundQos2Topic.put(id, topic);
            }
            ctx.writeAndFlush(idMessage(MqttMessageType.PUBREC, id));
            return;
        }
        route(topic, m.payload(), qos);
        if (qos == 1) {
            c.inboundUnacked++;
            maxInboundUnacked.accumulateAndGet(c.inboundUnacked, Math::max);
            long delay = pubAckDelayMillis;
            Runnable ack = () -> {
                c.inboundUnacked--;
                ctx.writeAndFlush(MqttMessageBuilders.pubAck().packetId(id).build());
            };
            if (delay > 0) {
                ctx.executor().schedule(ack, delay, TimeUnit.MILLISECONDS);
            } else {
                ack.run();
            }
        }
    }

    private void route(String topic, ByteBuf payload, int qos) {
        int publisher = Payload.isBench(payload) ? Payload.publisher(payload) : -1;
        long seq = Payload.isBench(payload) ? Payload.sequence(payload) : -1;
        Map<String, List<Object[]>> groups = new LinkedHashMap<>();
        for (Conn c : conns.values()) {
            for (String[] s : c.subs) {
                if (!matches(s[0], topic)) {
                    continue;
                }
                int q = Math.min(qos, Integer.parseInt(s[1]));
                if (s[2] == null) {
                    deliver(c, topic, payload, q, publisher, seq);
                } else {
                    groups.computeIfAbsent(s[2] + "/" + s[0], k -> new ArrayList<>()).add(new Object[] {c, q});
                }
            }
        }
        for (Map.Entry<String, List<Object[]>> g : groups.entrySet()) {
            int cursor = sharedCursor.merge(g.getKey(), 1, Integer::sum);
            Object[] pick = g.getValue().get(cursor % g.getValue().size());
            deliver((Conn) pick[0], topic, payload, (Integer) pick[1], publisher, seq);
        }
    }

    private Fault faultFor(Conn c, int publisher, long seq) {
        for (Rule r : rules) {
            if (r.publisher == publisher && r.seq == seq && (r.subscriberSuffix == null || c.clientId.endsWith(r.subscriberSuffix))) {
                return r.fault;
            }
        }
        return null;
    }

    private void deliver(Conn c, String topic, ByteBuf payload, int qos, int publisher, long seq) {
        Fault fault = faultFor(c, publisher, seq);
        pending(+1);
        if (fault == Fault.DROP) {
            pending(-1);
            return;
        }
        MqttPublishMessage first = publish(c, topic, payload, qos, false, -1);
        List<MqttPublishMessage> out = new ArrayList<>();
        out.add(first);
        if (fault == Fault.DUPLICATE) {
            out.add(publish(c, topic, payload, qos, false, -1));
        } else if (fault == Fault.QOS2_REPEAT_SAME_ID && qos == 2) {
            out.add(publish(c, topic, payload, qos, true, first.variableHeader().packetId()));
        } else if (fault == Fault.SWAP_WITH_NEXT) {
            c.held.put(publisher, first);
            return; // sent after the next message of this publisher to this client
        }
        MqttPublishMessage held = c.held.remove(publisher);
        if (held != null) {
            out.add(held);
        }
        long delay = deliveryDelayMillis;
        Runnable send = () -> {
            for (MqttPublishMessage p : out) {
                if (c.ch.isActive()) {
                    c.ch.write(p);
                    deliveriesOut.incrementAndGet();
                } else {
                    p.release();
                }
            }
            c.ch.flush();
            pending(-1);
            if (held != null) {
                pending(-1);
            }
        };
        if (delay > 0) {
            c.ch.eventLoop().schedule(send, delay, TimeUnit.MILLISECONDS);
        } else {
            send.run();
        }
    }

    private void pending(int delta) {
        pendingDeliveries += delta;
        if (pendingDeliveries > maxPendingDeliveries.get()) {
            maxPendingDeliveries.set(pendingDeliveries);
        }
    }

    private MqttPublishMessage publish(Conn c, String topic, ByteBuf payload, int qos, boolean dup, int sameId) {
        int id = 0;
        if (qos > 0) {
            id = sameId > 0 ? sameId : c.nextPacketId();
            c.outboundUnacked.add(id);
        }
        return new MqttPublishMessage(
                new MqttFixedHeader(MqttMessageType.PUBLISH, dup, MqttQoS.valueOf(qos), false, 0),
                new MqttPublishVariableHeader(topic, id), Unpooled.copiedBuffer(payload));
    }

    private static MqttMessage idMessage(MqttMessageType type, int id) {
        MqttQoS q = type == MqttMessageType.PUBREL ? MqttQoS.AT_LEAST_ONCE : MqttQoS.AT_MOST_ONCE;
        return new MqttMessage(new MqttFixedHeader(type, false, q, false, 0), MqttMessageIdVariableHeader.from(id));
    }

    /** MQTT topic matching with + and # (no $-topic special case needed here). */
    static boolean matches(String filter, String topic) {
        String[] f = filter.split("/", -1);
        String[] t = topic.split("/", -1);
        for (int i = 0; i < f.length; i++) {
            if (f[i].equals("#")) {
                return true;
            }
            if (i >= t.length) {
                return false;
            }
            if (!f[i].equals("+") && !f[i].equals(t[i])) {
                return false;
            }
        }
        return f.length == t.length;
    }
}
