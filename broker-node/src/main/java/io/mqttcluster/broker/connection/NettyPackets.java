package io.mqttcluster.broker.connection;

import io.mqttcluster.broker.protocol.Packets;
import io.mqttcluster.cluster.message.Message;
import io.mqttcluster.cluster.session.SubOptions;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnAckVariableHeader;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectPayload;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttConnectVariableHeader;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPubAckMessage;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttSubAckPayload;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption;
import io.netty.handler.codec.mqtt.MqttTopicSubscription;
import io.netty.handler.codec.mqtt.MqttUnsubAckMessage;
import io.netty.handler.codec.mqtt.MqttUnsubAckPayload;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;

import java.util.ArrayList;
import java.util.List;

/**
 * Between Netty's MQTT codec and the protocol object: the packets a client sends, as {@link Packets} values, and
 * the packets the broker sends, as Netty messages. No state; fixed headers are immutable and shared.
 */
final class NettyPackets {

    /** PUBLISH fixed headers by QoS, DUP and RETAIN. */
    private static final MqttFixedHeader[] PUBLISH_HEADERS = new MqttFixedHeader[12];

    static {
        for (int q = 0; q < 3; q++) {
            for (int f = 0; f < 4; f++) {
                PUBLISH_HEADERS[q * 4 + f] = new MqttFixedHeader(MqttMessageType.PUBLISH, (f & 2) != 0, MqttQoS.valueOf(q), (f & 1) != 0, 0);
            }
        }
    }

    static final MqttFixedHeader PUBACK = new MqttFixedHeader(MqttMessageType.PUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0);
    static final MqttFixedHeader PUBREC = new MqttFixedHeader(MqttMessageType.PUBREC, false, MqttQoS.AT_MOST_ONCE, false, 0);
    static final MqttFixedHeader PUBREL = new MqttFixedHeader(MqttMessageType.PUBREL, false, MqttQoS.AT_LEAST_ONCE, false, 0);
    static final MqttFixedHeader PUBCOMP = new MqttFixedHeader(MqttMessageType.PUBCOMP, false, MqttQoS.AT_MOST_ONCE, false, 0);

    private NettyPackets() {
    }

    // ------------------------------------------------------------------ from the client

    /**
     * CONNECT as the protocol object takes it.
     *
     * @throws IllegalStateException for a will flag that does not agree with the will fields [MQTT-3.1.2-9],
     *                               [MQTT-3.1.2-11]: malformed, the connection is closed
     */
    static Packets.Connect connect(MqttConnectMessage m) {
        MqttConnectVariableHeader h = m.variableHeader();
        int protocolVersion = h.version();
        MqttConnectPayload p = m.payload();
        Packets.Will will = null;
        if (h.isWillFlag()) {
            if (p.willTopic() == null || p.willTopic().isEmpty() || p.willMessageInBytes() == null) {
                throw new IllegalStateException("will flag without a will topic and message"); // [MQTT-3.1.2-9]
            }
            int delay = 0;
            MqttProperties wp = p.willProperties();
            MqttProperties.MqttProperty<?> d = wp == null ? null : wp.getProperty(MqttProperties.MqttPropertyType.WILL_DELAY_INTERVAL.value());
            if (d != null) {
                delay = (Integer) d.value();
            }
            will = new Packets.Will(p.willTopic(), p.willMessageInBytes(), h.willQos(), h.isWillRetain(), delay,
                    protocolVersion >= 5 ? Mqtt5Properties.message(wp) : null);
        } else if (h.willQos() != 0 || h.isWillRetain()) {
            throw new IllegalStateException("will QoS or retain without a will"); // [MQTT-3.1.2-11]
        }
        long expiry = -1;
        int receiveMax = 65_535;
        MqttProperties props = h.properties();
        Packets.ConnectProperties v5 = Packets.ConnectProperties.NONE;
        if (protocolVersion >= 5) {
            v5 = Mqtt5Properties.connect(props);
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
        return new Packets.Connect(protocolVersion, p.clientIdentifier(), h.isCleanSession(),
                h.keepAliveTimeSeconds(), h.hasUserName() ? p.userName() : null,
                h.hasPassword() ? p.passwordInBytes() : null, will, expiry, receiveMax, v5);
    }

    static Packets.Publish publish(MqttPublishMessage p, int protocolVersion) {
        ByteBuf content = p.content();
        byte[] payload = new byte[content.readableBytes()];
        content.getBytes(content.readerIndex(), payload);
        MqttFixedHeader h = p.fixedHeader();
        MqttPublishVariableHeader v = p.variableHeader();
        if (protocolVersion < 5) {
            return new Packets.Publish(v.packetId(), v.topicName(), payload, h.qosLevel().value(), h.isDup(), h.isRetain());
        }
        MqttProperties props = v.properties();
        return new Packets.Publish(v.packetId(), v.topicName(), payload, h.qosLevel().value(), h.isDup(), h.isRetain(),
                Mqtt5Properties.message(props), Mqtt5Properties.topicAlias(props));
    }

    /** AUTH from the client (MQTT 5). */
    static Packets.Auth auth(MqttMessage m) {
        MqttReasonCodeAndPropertiesVariableHeader h = (MqttReasonCodeAndPropertiesVariableHeader) m.variableHeader();
        MqttProperties p = h.properties();
        MqttProperties.MqttProperty<?> method = p.getProperty(MqttProperties.AUTHENTICATION_METHOD);
        MqttProperties.MqttProperty<?> data = p.getProperty(MqttProperties.AUTHENTICATION_DATA);
        return new Packets.Auth(h.reasonCode() & 0xFF, method == null ? null : (String) method.value(),
                data == null ? null : (byte[]) data.value());
    }

    /** AUTH to the client. */
    static MqttMessage auth(int reasonCode, String method, byte[] data) {
        MqttProperties p = new MqttProperties();
        p.add(new MqttProperties.StringProperty(MqttProperties.AUTHENTICATION_METHOD, method));
        if (data != null) {
            p.add(new MqttProperties.BinaryProperty(MqttProperties.AUTHENTICATION_DATA, data));
        }
        return new MqttMessage(new MqttFixedHeader(MqttMessageType.AUTH, false, MqttQoS.AT_MOST_ONCE, false, 0),
                new MqttReasonCodeAndPropertiesVariableHeader((byte) reasonCode, p));
    }

    /** DISCONNECT from the client: 3.1.1 has no reason code (normal). */
    static Packets.Disconnect disconnect(MqttMessage m) {
        if (m.variableHeader() instanceof MqttReasonCodeAndPropertiesVariableHeader h) {
            return Mqtt5Properties.disconnect(h.reasonCode(), h.properties());
        }
        return Packets.Disconnect.NORMAL;
    }

    static int packetId(MqttMessage m) {
        Object v = m.variableHeader();
        if (v instanceof MqttMessageIdVariableHeader id) {
            return id.messageId();
        }
        return 0;
    }

    static Packets.Subscribe subscribe(MqttSubscribeMessage s) {
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

    static Packets.Unsubscribe unsubscribe(MqttUnsubscribeMessage u) {
        return new Packets.Unsubscribe(u.variableHeader().messageId(), u.payload().topics());
    }

    // ------------------------------------------------------------------ to the client

    /**
     * CONNACK. For MQTT 5 it carries {@code props} (what the broker allows and assigned); for 3.1 / 3.1.1 only the
     * return code and session present.
     */
    static MqttMessage connack(int code, boolean sessionPresent, MqttProperties props, int protocolVersion) {
        return new MqttConnAckMessage(new MqttFixedHeader(MqttMessageType.CONNACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                new MqttConnAckVariableHeader(MqttConnectReturnCode.valueOf((byte) code), sessionPresent,
                        protocolVersion >= 5 && props != null ? props : MqttProperties.NO_PROPERTIES));
    }

    static MqttPublishMessage publish(int packetId, Message message, int qos, boolean dup, boolean retain) {
        return new MqttPublishMessage(PUBLISH_HEADERS[qos * 4 + (dup ? 2 : 0) + (retain ? 1 : 0)],
                new MqttPublishVariableHeader(message.topic(), packetId),
                Unpooled.wrappedBuffer(message.payload())); // no copy: payloads are never modified
    }

    /** PUBLISH to an MQTT 5 subscriber: {@code topic} is empty when an alias it knows names it. */
    static MqttPublishMessage publish5(int packetId, Message message, String topic, int qos, boolean dup, boolean retain,
                                       MqttProperties props) {
        return new MqttPublishMessage(PUBLISH_HEADERS[qos * 4 + (dup ? 2 : 0) + (retain ? 1 : 0)],
                new MqttPublishVariableHeader(topic, packetId, props),
                Unpooled.wrappedBuffer(message.payload()));
    }

    /** PUBACK, PUBREC, PUBREL or PUBCOMP, by its fixed header (one of the constants above). */
    static MqttMessage ack(MqttFixedHeader h, int packetId) {
        MqttMessageIdVariableHeader id = MqttMessageIdVariableHeader.from(packetId);
        return h == PUBACK ? new MqttPubAckMessage(h, id) : new MqttMessage(h, id);
    }

    /** An MQTT 5 acknowledgement with a reason code other than success (success is written as {@link #ack}). */
    static MqttMessage ack5(MqttFixedHeader h, int packetId, int reasonCode) {
        return new MqttMessage(h, new MqttPubReplyMessageVariableHeader(packetId, (byte) reasonCode, MqttProperties.NO_PROPERTIES));
    }

    static MqttMessage suback(int packetId, int[] codes) {
        return new MqttSubAckMessage(new MqttFixedHeader(MqttMessageType.SUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                MqttMessageIdVariableHeader.from(packetId), new MqttSubAckPayload(codes));
    }

    /** UNSUBACK; {@code codes} (one per filter) only for MQTT 5. */
    static MqttMessage unsuback(int packetId, int[] codes, int protocolVersion) {
        MqttFixedHeader h = new MqttFixedHeader(MqttMessageType.UNSUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0);
        if (protocolVersion < 5 || codes == null) {
            return new MqttUnsubAckMessage(h, MqttMessageIdVariableHeader.from(packetId));
        }
        short[] reasons = new short[codes.length];
        for (int i = 0; i < codes.length; i++) {
            reasons[i] = (short) codes[i];
        }
        return new MqttUnsubAckMessage(h, new MqttMessageIdAndPropertiesVariableHeader(packetId, MqttProperties.NO_PROPERTIES),
                new MqttUnsubAckPayload(reasons));
    }

    /** DISCONNECT from the server (MQTT 5 only), with a reason code and, when not empty, a reason string. */
    static MqttMessage disconnect(int reasonCode, String reasonString) {
        return new MqttMessage(new MqttFixedHeader(MqttMessageType.DISCONNECT, false, MqttQoS.AT_MOST_ONCE, false, 0),
                new MqttReasonCodeAndPropertiesVariableHeader((byte) reasonCode, reasonString(reasonString)));
    }

    /** Properties holding only a Reason String; none for a null or empty one. */
    static MqttProperties reasonString(String reasonString) {
        if (reasonString == null || reasonString.isEmpty()) {
            return MqttProperties.NO_PROPERTIES;
        }
        MqttProperties props = new MqttProperties();
        props.add(new MqttProperties.StringProperty(MqttProperties.REASON_STRING, reasonString));
        return props;
    }
}
