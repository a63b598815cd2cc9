package io.mqttcluster.broker.connection;

import io.mqttcluster.broker.config.BrokerConfig;
import io.mqttcluster.broker.mqtt.ReasonCode;
import io.mqttcluster.broker.protocol.Packets;
import io.mqttcluster.broker.protocol.ProtocolOutput;
import io.mqttcluster.cluster.message.Message;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPublishMessage;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The MQTT 5 state of one connection below the protocol rules, where it is a matter of framing: topic aliases in
 * both directions, the client's Maximum Packet Size, the broker's Receive Maximum (flow control of the client's
 * QoS 1/2 publishes), and the CONNACK properties. Owned by the connection's event loop.
 *
 * <p><b>Topic aliases towards the subscriber</b> are given to the first topics it receives, up to the smaller of
 * its Topic Alias Maximum and {@code mqtt.outbound-topic-aliases}, and kept for the connection's life: a device
 * receives on few topics, and a fixed table costs nothing per message. The first PUBLISH on a topic carries the
 * topic and the alias, later ones the alias and an empty topic (MQTT 5.0 section 3.3.2.3.4).
 */
final class Mqtt5Session {

    private final MqttConnection connection;
    private final BrokerConfig config;
    private final Packets.ConnectProperties client;
    /** Aliases the client set, by alias (index 0 unused); null when the broker allows none. */
    private final String[] inboundAliases;
    private final int outboundAliasLimit;
    private Map<String, Integer> outboundAliases;
    /** Packet ids of the client's QoS 1/2 publishes not acknowledged yet (flow control); null while none. */
    private Set<Integer> unacknowledged;

    Mqtt5Session(MqttConnection connection, BrokerConfig config, Packets.ConnectProperties client) {
        this.connection = connection;
        this.config = config;
        this.client = client;
        int inbound = config.topicAliasMaximum();
        this.inboundAliases = inbound > 0 ? new String[inbound + 1] : null;
        this.outboundAliasLimit = Math.min(client.topicAliasMaximum(), config.outboundTopicAliases());
    }

    /** CONNACK's properties: what the broker allows this client (MQTT 5.0 section 3.2.2.3). */
    MqttProperties connackProperties(ProtocolOutput.Accepted accepted) {
        MqttProperties p = new MqttProperties();
        p.add(new MqttProperties.IntegerProperty(MqttProperties.RECEIVE_MAXIMUM, config.receiveMaximum()));
        p.add(new MqttProperties.IntegerProperty(MqttProperties.MAXIMUM_PACKET_SIZE, config.maxPacketSize()));
        p.add(new MqttProperties.IntegerProperty(MqttProperties.TOPIC_ALIAS_MAXIMUM, config.topicAliasMaximum()));
        if (config.maxQos() < 2) {
            p.add(new MqttProperties.IntegerProperty(MqttProperties.MAXIMUM_QOS, config.maxQos()));
        }
        p.add(new MqttProperties.IntegerProperty(MqttProperties.RETAIN_AVAILABLE, config.retainAvailable() ? 1 : 0));
        p.add(new MqttProperties.IntegerProperty(MqttProperties.WILDCARD_SUBSCRIPTION_AVAILABLE, 1));
        p.add(new MqttProperties.IntegerProperty(MqttProperties.SUBSCRIPTION_IDENTIFIER_AVAILABLE, 1));
        p.add(new MqttProperties.IntegerProperty(MqttProperties.SHARED_SUBSCRIPTION_AVAILABLE, 1));
        if (accepted.assignedClientId() != null) {
            p.add(new MqttProperties.StringProperty(MqttProperties.ASSIGNED_CLIENT_IDENTIFIER, accepted.assignedClientId()));
        }
        if (accepted.serverKeepAlive() >= 0) {
            p.add(new MqttProperties.IntegerProperty(MqttProperties.SERVER_KEEP_ALIVE, accepted.serverKeepAlive()));
        }
        if (accepted.authenticationMethod() != null) {
            p.add(new MqttProperties.StringProperty(MqttProperties.AUTHENTICATION_METHOD, accepted.authenticationMethod()));
            if (accepted.authenticationData() != null) {
                p.add(new MqttProperties.BinaryProperty(MqttProperties.AUTHENTICATION_DATA, accepted.authenticationData()));
            }
        }
        if (client.requestResponseInformation() && !config.responseInformation().isEmpty()) {
            p.add(new MqttProperties.StringProperty(MqttProperties.RESPONSE_INFORMATION, config.responseInformation()));
        }
        if (accepted.sessionExpirySeconds() >= 0) {
            p.add(new MqttProperties.IntegerProperty(MqttProperties.SESSION_EXPIRY_INTERVAL, (int) accepted.sessionExpirySeconds()));
        }
        return p;
    }

    /**
     * A client's PUBLISH with its topic alias resolved and its flow control counted; null when it broke a rule
     * (the connection is closed with the reason code: 0x94 topic alias invalid, 0x82, 0x93 receive maximum exceeded).
     */
    Packets.Publish inbound(Packets.Publish p) {
        if (p.topicAlias() < 0) {
            connection.protocolError(ReasonCode.TOPIC_ALIAS_INVALID, "topic alias 0"); // [MQTT-3.3.2-8]
            return null;
        }
        if (p.qos() > 0) {
            if (unacknowledged == null) {
                unacknowledged = new HashSet<>(8);
            }
            if (unacknowledged.add(p.packetId()) && unacknowledged.size() > config.receiveMaximum()) {
                connection.protocolError(ReasonCode.RECEIVE_MAXIMUM_EXCEEDED,
                        "more than " + config.receiveMaximum() + " QoS 1/2 publishes unacknowledged"); // [MQTT-3.3.4-9]
                return null;
            }
        }
        int alias = p.topicAlias();
        if (alias == 0) {
            if (p.topic().isEmpty()) {
                connection.protocolError(ReasonCode.PROTOCOL_ERROR, "empty topic without a topic alias"); // [MQTT-3.3.2-8]
                return null;
            }
            return p;
        }
        if (inboundAliases == null || alias >= inboundAliases.length) {
            connection.protocolError(ReasonCode.TOPIC_ALIAS_INVALID, "topic alias " + alias + " above the maximum"); // [MQTT-3.3.2-9]
            return null;
        }
        if (!p.topic().isEmpty()) {
            inboundAliases[alias] = p.topic();
            return p;
        }
        String topic = inboundAliases[alias];
        if (topic == null) {
            connection.protocolError(ReasonCode.PROTOCOL_ERROR, "topic alias " + alias + " not set"); // MQTT 5.0 section 3.3.2.3.4
            return null;
        }
        return new Packets.Publish(p.packetId(), topic, p.payload(), p.qos(), p.dup(), p.retain(), p.properties(), alias);
    }

    /** The broker answered one of the client's QoS 1/2 publishes: its flow-control slot is free again. */
    void acknowledged(int packetId) {
        if (unacknowledged != null) {
            unacknowledged.remove(packetId);
        }
    }

    /** A PUBLISH to this client, with the message's properties, the subscription identifiers and a topic alias. */
    MqttPublishMessage publish(int packetId, Message message, int qos, boolean dup, boolean retain, int[] subscriptionIds) {
        String topic = message.topic();
        int alias = 0;
        String sentTopic = topic;
        if (outboundAliasLimit > 0) {
            if (outboundAliases == null) {
                outboundAliases = new HashMap<>(Math.min(outboundAliasLimit, 16) * 2);
            }
            Integer known = outboundAliases.get(topic);
            if (known != null) {
                alias = known;
                sentTopic = "";
            } else if (outboundAliases.size() < outboundAliasLimit) {
                alias = outboundAliases.size() + 1;
                outboundAliases.put(topic, alias); // sent with the topic this once
            }
        }
        MqttProperties props = Mqtt5Properties.publish(message, subscriptionIds, alias);
        return NettyPackets.publish5(packetId, message, sentTopic, qos, dup, retain, props);
    }

    /** Whether a PUBLISH of this message to this client fits its Maximum Packet Size (with the full topic). */
    boolean fits(Message message, int[] subscriptionIds) {
        long max = client.maximumPacketSize();
        if (max == 0) {
            return true;
        }
        long remaining = 2L + io.mqttcluster.cluster.topic.Topics.utf8Length(message.topic()) + (message.qos() > 0 ? 2 : 0)
                + Mqtt5Properties.publishPropertiesSize(message, subscriptionIds) + 3 + message.payload().length;
        long total = 1 + Mqtt5Properties.varIntSize((int) Math.min(remaining, Integer.MAX_VALUE)) + remaining;
        return total <= max;
    }
}
