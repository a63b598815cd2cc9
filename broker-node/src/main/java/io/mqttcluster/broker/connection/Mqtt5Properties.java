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

    /** The topic alias of a PUBLISH, 0 when it has none. */
    static int topicAlias(MqttProperties p) {
        Integer alias = p == null ? null : integer(p, MqttProperties.TOPIC_ALIAS);
        return alias == null ? 0 : alias;
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
