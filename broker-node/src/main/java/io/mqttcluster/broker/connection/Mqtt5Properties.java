package io.mqttcluster.broker.connection;

import io.mqttcluster.broker.protocol.Packets;
import io.mqttcluster.cluster.message.Message;
import io.mqttcluster.cluster.message.MessageProperties;
import io.mqttcluster.cluster.topic.Topics;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttProperty;

import java.util.ArrayList;
import java.util.List;

/**
 * MQTT 5 properties between Netty's codec and the broker's values (MQTT 5.0 section 2.2.2): what a client's
 * CONNECT, will and PUBLISH carry, and what a PUBLISH to a subscriber carries. No state.
 */
final class Mqtt5Properties {

    private Mqtt5Properties() {
    }

    // ------------------------------------------------------------------ from the client

    /**
     * The properties of a PUBLISH or a will that travel with the message, or null when it has none. The message
     * expiry interval becomes a point in time: now plus the interval (0 or absent: never).
     */
    static MessageProperties message(MqttProperties p) {
        if (p == null || p.isEmpty()) {
            return null;
        }
        Integer format = integer(p, MqttProperties.PAYLOAD_FORMAT_INDICATOR);
        Integer expiry = integer(p, MqttProperties.PUBLICATION_EXPIRY_INTERVAL);
        String contentType = string(p, MqttProperties.CONTENT_TYPE);
        String responseTopic = string(p, MqttProperties.RESPONSE_TOPIC);
        byte[] correlation = binary(p, MqttProperties.CORRELATION_DATA);
        List<String[]> user = userProperties(p);
        if (format == null && expiry == null && contentType == null && responseTopic == null && correlation == null && user.isEmpty()) {
            return null;
        }
        long expiresAt = expiry == null || expiry == 0 ? 0 : System.currentTimeMillis() + Integer.toUnsignedLong(expiry) * 1000L;
        return new MessageProperties(expiresAt, format == null ? -1 : format, contentType, responseTopic, correlation, user);
    }

    /** The topic alias of a PUBLISH, 0 when it has none, -1 when it is 0 (not permitted [MQTT-3.3.2-8]). */
    static int topicAlias(MqttProperties p) {
        Integer alias = p == null ? null : integer(p, MqttProperties.TOPIC_ALIAS);
        return alias == null ? 0 : alias == 0 ? -1 : alias;
    }

    /** The CONNECT properties the broker uses besides session expiry and receive maximum. */
    static Packets.ConnectProperties connect(MqttProperties p) {
        if (p == null || p.isEmpty()) {
            return Packets.ConnectProperties.NONE;
        }
        Integer aliasMax = integer(p, MqttProperties.TOPIC_ALIAS_MAXIMUM);
        Integer packetMax = integer(p, MqttProperties.MAXIMUM_PACKET_SIZE);
        Integer response = integer(p, MqttProperties.REQUEST_RESPONSE_INFORMATION);
        Integer problem = integer(p, MqttProperties.REQUEST_PROBLEM_INFORMATION);
        return new Packets.ConnectProperties(aliasMax == null ? 0 : aliasMax,
                packetMax == null ? 0 : Integer.toUnsignedLong(packetMax),
                response != null && response == 1, problem == null || problem == 1, userProperties(p),
                string(p, MqttProperties.AUTHENTICATION_METHOD), binary(p, MqttProperties.AUTHENTICATION_DATA));
    }

    /** A DISCONNECT's reason code and new session expiry interval (-1: not sent). */
    static Packets.Disconnect disconnect(byte reasonCode, MqttProperties p) {
        Integer expiry = p == null ? null : integer(p, MqttProperties.SESSION_EXPIRY_INTERVAL);
        return new Packets.Disconnect(reasonCode & 0xFF, expiry == null ? -1 : Integer.toUnsignedLong(expiry));
    }

    // ------------------------------------------------------------------ which properties a packet may carry

    /** CONNECT [MQTT 5.0 section 3.1.2.11]. */
    private static final java.util.Set<Integer> CONNECT = java.util.Set.of(0x11, 0x21, 0x27, 0x22, 0x19, 0x17, 0x26, 0x15, 0x16);
    /** Will properties [section 3.1.3.2]. */
    private static final java.util.Set<Integer> WILL = java.util.Set.of(0x18, 0x01, 0x02, 0x03, 0x08, 0x09, 0x26);
    /** A client's PUBLISH [section 3.3.2.3]: no Subscription Identifier from a client [MQTT-3.3.4-6]. */
    private static final java.util.Set<Integer> PUBLISH = java.util.Set.of(0x01, 0x02, 0x23, 0x08, 0x09, 0x26, 0x03);
    /** PUBACK, PUBREC, PUBREL, PUBCOMP [sections 3.4.2.2 to 3.7.2.2]. */
    private static final java.util.Set<Integer> ACK = java.util.Set.of(0x1F, 0x26);
    /** SUBSCRIBE [section 3.8.2.1]. */
    private static final java.util.Set<Integer> SUBSCRIBE = java.util.Set.of(0x0B, 0x26);
    /** UNSUBSCRIBE [section 3.10.2.1]. */
    private static final java.util.Set<Integer> UNSUBSCRIBE = java.util.Set.of(0x26);
    /** A client's DISCONNECT [section 3.14.2.2] (Server Reference is the server's). */
    private static final java.util.Set<Integer> DISCONNECT = java.util.Set.of(0x11, 0x1F, 0x26);
    /** AUTH [section 3.15.2.2]. */
    private static final java.util.Set<Integer> AUTH = java.util.Set.of(0x15, 0x16, 0x1F, 0x26);

    /**
     * Why an MQTT 5 packet from a client carries a property it may not (a Malformed Packet [MQTT 5.0 section
     * 2.2.2.2]), or a second Subscription Identifier in a SUBSCRIBE (a Protocol Error [section 3.8.2.1.2]); null when
     * its properties are in place. Netty's decoder reads every identifier in every packet and keeps the last of a
     * repeated one (Subscription Identifiers and User Properties aside), so a repeat of another property cannot be
     * seen here.
     */
    static String misplaced(io.netty.handler.codec.mqtt.MqttMessage m) {
        Object h = m.variableHeader();
        return switch (m.fixedHeader().messageType()) {
            case CONNECT -> {
                String bad = misplaced(((io.netty.handler.codec.mqtt.MqttConnectVariableHeader) h).properties(), CONNECT, "CONNECT");
                io.netty.handler.codec.mqtt.MqttConnectPayload p = ((io.netty.handler.codec.mqtt.MqttConnectMessage) m).payload();
                yield bad != null ? bad : misplaced(p.willProperties(), WILL, "will");
            }
            case PUBLISH -> misplaced(((io.netty.handler.codec.mqtt.MqttPublishVariableHeader) h).properties(), PUBLISH, "PUBLISH");
            case PUBACK, PUBREC, PUBREL, PUBCOMP -> h instanceof io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader r
                    ? misplaced(r.properties(), ACK, m.fixedHeader().messageType().name()) : null;
            case SUBSCRIBE -> {
                MqttProperties p = ((io.netty.handler.codec.mqtt.MqttMessageIdAndPropertiesVariableHeader) h).properties();
                String bad = misplaced(p, SUBSCRIBE, "SUBSCRIBE");
                yield bad != null ? bad : p != null && p.getProperties(MqttProperties.SUBSCRIPTION_IDENTIFIER).size() > 1
                        ? "more than one Subscription Identifier in SUBSCRIBE" : null;
            }
            case UNSUBSCRIBE -> misplaced(((io.netty.handler.codec.mqtt.MqttMessageIdAndPropertiesVariableHeader) h).properties(),
                    UNSUBSCRIBE, "UNSUBSCRIBE");
            case DISCONNECT -> h instanceof io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader r
                    ? misplaced(r.properties(), DISCONNECT, "DISCONNECT") : null;
            case AUTH -> h instanceof io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader r
                    ? misplaced(r.properties(), AUTH, "AUTH") : null;
            default -> null;
        };
    }

    private static String misplaced(MqttProperties p, java.util.Set<Integer> allowed, String packet) {
        if (p == null || p.isEmpty()) {
            return null;
        }
        for (MqttProperty<?> prop : p.listAll()) {
            if (!allowed.contains(prop.propertyId())) {
                return String.format("property 0x%02X is not one of %s's", prop.propertyId(), packet);
            }
        }
        return null;
    }

    // ------------------------------------------------------------------ to the client

    /**
     * The properties of a PUBLISH to an MQTT 5 subscriber: the message's own, with the expiry interval it has left,
     * the identifiers of the subscriptions it matched, and a topic alias (0: none).
     */
    static MqttProperties publish(Message m, int[] subscriptionIds, int topicAlias) {
        MessageProperties mp = m.properties();
        boolean ids = subscriptionIds != null && subscriptionIds.length > 0;
        if (mp == null && !ids && topicAlias == 0) {
            return MqttProperties.NO_PROPERTIES;
        }
        MqttProperties p = new MqttProperties();
        if (mp != null) {
            if (mp.payloadFormat() >= 0) {
                p.add(new MqttProperties.IntegerProperty(MqttProperties.PAYLOAD_FORMAT_INDICATOR, mp.payloadFormat()));
            }
            if (mp.expiresAtMillis() > 0) {
                long remaining = m.remainingExpirySeconds(System.currentTimeMillis());
                p.add(new MqttProperties.IntegerProperty(MqttProperties.PUBLICATION_EXPIRY_INTERVAL, (int) Math.max(1, remaining)));
            }
            if (mp.contentType() != null) {
                p.add(new MqttProperties.StringProperty(MqttProperties.CONTENT_TYPE, mp.contentType()));
            }
            if (mp.responseTopic() != null) {
                p.add(new MqttProperties.StringProperty(MqttProperties.RESPONSE_TOPIC, mp.responseTopic()));
            }
            if (mp.correlationData() != null) {
                p.add(new MqttProperties.BinaryProperty(MqttProperties.CORRELATION_DATA, mp.correlationData()));
            }
            if (!mp.userProperties().isEmpty()) {
                MqttProperties.UserProperties user = new MqttProperties.UserProperties();
                for (String[] pair : mp.userProperties()) {
                    user.add(pair[0], pair[1]); // in order [MQTT-3.3.2-18]
                }
                p.add(user);
            }
        }
        if (ids) {
            for (int id : subscriptionIds) {
                p.add(new MqttProperties.IntegerProperty(MqttProperties.SUBSCRIPTION_IDENTIFIER, id));
            }
        }
        if (topicAlias > 0) {
            p.add(new MqttProperties.IntegerProperty(MqttProperties.TOPIC_ALIAS, topicAlias));
        }
        return p;
    }

    /**
     * The size in bytes of the properties {@link #publish} writes, with their length field, without a topic alias
     * (3 bytes more with one): for the subscriber's Maximum Packet Size.
     */
    static int publishPropertiesSize(Message m, int[] subscriptionIds) {
        int n = 0;
        MessageProperties mp = m.properties();
        if (mp != null) {
            n += mp.payloadFormat() >= 0 ? 2 : 0;
            n += mp.expiresAtMillis() > 0 ? 5 : 0;
            n += mp.contentType() == null ? 0 : 3 + Topics.utf8Length(mp.contentType());
            n += mp.responseTopic() == null ? 0 : 3 + Topics.utf8Length(mp.responseTopic());
            n += mp.correlationData() == null ? 0 : 3 + mp.correlationData().length;
            for (String[] pair : mp.userProperties()) {
                n += 5 + Topics.utf8Length(pair[0]) + Topics.utf8Length(pair[1]);
            }
        }
        if (subscriptionIds != null) {
            for (int id : subscriptionIds) {
                n += 1 + varIntSize(id);
            }
        }
        return varIntSize(n) + n;
    }

    static int varIntSize(int v) {
        return v < 128 ? 1 : v < 16_384 ? 2 : v < 2_097_152 ? 3 : 4;
    }

    // ------------------------------------------------------------------ reading Netty's properties

    private static Integer integer(MqttProperties p, int id) {
        MqttProperty<?> v = p.getProperty(id);
        return v == null ? null : (Integer) v.value();
    }

    private static String string(MqttProperties p, int id) {
        MqttProperty<?> v = p.getProperty(id);
        return v == null ? null : (String) v.value();
    }

    private static byte[] binary(MqttProperties p, int id) {
        MqttProperty<?> v = p.getProperty(id);
        return v == null ? null : (byte[]) v.value();
    }

    /** User properties in the order they were sent; Netty gathers them into one property or keeps them apart. */
    private static List<String[]> userProperties(MqttProperties p) {
        List<? extends MqttProperty> all = p.getProperties(MqttProperties.USER_PROPERTY);
        if (all == null || all.isEmpty()) {
            return List.of();
        }
        List<String[]> out = new ArrayList<>();
        for (MqttProperty<?> prop : all) {
            Object v = prop.value();
            if (v instanceof MqttProperties.StringPair pair) {
                out.add(new String[]{pair.key, pair.value});
            } else if (v instanceof List<?> pairs) {
                for (Object o : pairs) {
                    MqttProperties.StringPair pair = (MqttProperties.StringPair) o;
                    out.add(new String[]{pair.key, pair.value});
                }
            }
        }
        return out;
    }
}
