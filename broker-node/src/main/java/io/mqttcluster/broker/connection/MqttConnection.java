package io.mqttcluster.broker.connection;

import io.mqttcluster.broker.Broker;
import io.mqttcluster.broker.channel.Channel;
import io.mqttcluster.broker.channel.ChannelOutput;
import io.mqttcluster.broker.channel.CloseReason;
import io.mqttcluster.broker.channel.Packets;
import io.mqttcluster.broker.channel.Refusal;
import io.mqttcluster.cluster.message.Message;
import io.mqttcluster.cluster.session.SubOptions;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.mqtt.MqttEndpoint;
import io.vertx.mqtt.MqttTopicSubscription;
import io.vertx.mqtt.MqttWill;
import io.vertx.mqtt.messages.MqttPublishMessage;
import io.vertx.mqtt.messages.MqttSubscribeMessage;
import io.vertx.mqtt.messages.codes.MqttSubAckReasonCode;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Owns one client's socket: turns vertx-mqtt events into {@link Channel} calls and the channel's actions
 * into packets. It is also the only place a connection is closed, with its log line and metric.
 *
 * <p>vertx-mqtt has no back-pressure, so this counts writes not yet flushed and tells the channel to hold
 * back past {@code mqtt.max-pending-writes}; the channel resumes when half of them are flushed.
 *
 * <p>Thread: the connection's event loop.
 */
public final class MqttConnection implements ChannelOutput {

    private final MqttEndpoint endpoint;
    private final Broker broker;
    private final Channel channel;
    private final String remote;
    private final int maxPendingWrites;
    private int pendingWrites;
    private boolean blocked;
    private boolean closed;

    private MqttConnection(MqttEndpoint endpoint, Broker broker, ContextInternal context) {
        this.endpoint = endpoint;
        this.broker = broker;
        this.remote = String.valueOf(endpoint.remoteAddress());
        this.maxPendingWrites = broker.config().maxPendingWrites();
        this.channel = new Channel(broker, this, context);
    }

    /** Wires a newly connected endpoint (its CONNECT has arrived) to a new channel. */
    public static void accept(MqttEndpoint endpoint, Broker broker) {
        ContextInternal context = (ContextInternal) broker.vertx().getOrCreateContext();
        MqttConnection c = new MqttConnection(endpoint, broker, context);
        broker.metrics().connectionOpened();
        Channel ch = c.channel;
        endpoint.publishAutoAck(false);
        endpoint.subscriptionAutoAck(false);
        endpoint.publishHandler(m -> ch.onPublish(toPublish(m)));
        endpoint.publishAcknowledgeHandler(ch::onPuback);
        endpoint.publishReceivedHandler(ch::onPubrec);
        endpoint.publishReleaseHandler(ch::onPubrel);
        endpoint.publishCompletionHandler(ch::onPubcomp);
        endpoint.subscribeHandler(s -> ch.onSubscribe(toSubscribe(s)));
        endpoint.unsubscribeHandler(u -> ch.onUnsubscribe(new Packets.Unsubscribe(u.messageId(), u.topics())));
        endpoint.disconnectHandler(v -> ch.onDisconnect());
        endpoint.exceptionHandler(t -> BadInputLog.report(c.remote, t));
        endpoint.closeHandler(v -> c.closed());
        ch.onConnect(toConnect(endpoint));
    }

    public Channel channel() {
        return channel;
    }

    private void closed() {
        if (closed) {
            return;
        }
        closed = true;
        channel.onClosed();
        CloseReason reason = channel.closeReason();
        broker.metrics().connectionClosed(reason == null ? "connection_lost" : reason.label());
    }

    private static Packets.Connect toConnect(MqttEndpoint e) {
        MqttWill w = e.will();
        Packets.Will will = null;
        if (w != null && w.isWillFlag()) {
            int delay = 0;
            MqttProperties.MqttProperty<?> d = w.getWillProperties() == null ? null
                    : w.getWillProperties().getProperty(MqttProperties.MqttPropertyType.WILL_DELAY_INTERVAL.value());
            if (d != null) {
                delay = (Integer) d.value();
            }
            byte[] payload = w.getWillMessageBytes() == null ? new byte[0] : w.getWillMessageBytes();
            will = new Packets.Will(w.getWillTopic(), payload, w.getWillQos(), w.isWillRetain(), delay);
        }
        String user = e.auth() == null ? null : e.auth().getUsername();
        byte[] pass = e.auth() == null || e.auth().getPassword() == null ? null
                : e.auth().getPassword().getBytes(StandardCharsets.UTF_8);
        long expiry = -1;
        int receiveMax = 65_535;
        MqttProperties props = e.connectProperties();
        if (props != null) {
            MqttProperties.MqttProperty<?> se = props.getProperty(MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL.value());
            if (se != null) {
                expiry = Integer.toUnsignedLong((Integer) se.value());
            } else if (e.protocolVersion() >= 5) {
                expiry = 0; // MQTT 5: absent means 0
            }
            MqttProperties.MqttProperty<?> rm = props.getProperty(MqttProperties.MqttPropertyType.RECEIVE_MAXIMUM.value());
            if (rm != null) {
                receiveMax = (Integer) rm.value();
            }
        }
        return new Packets.Connect(e.protocolVersion(), e.clientIdentifier(), e.isCleanSession(), e.keepAliveTimeSeconds(),
                user, pass, will, expiry, receiveMax);
    }

    private static Packets.Publish toPublish(MqttPublishMessage m) {
        return new Packets.Publish(m.messageId(), m.topicName(), m.payload().getBytes(), m.qosLevel().value(),
                m.isDup(), m.isRetain());
    }

    private static Packets.Subscribe toSubscribe(MqttSubscribeMessage s) {
        int subscriptionId = 0;
        MqttProperties props = s.properties();
        if (props != null) {
            MqttProperties.MqttProperty<?> id = props.getProperty(MqttProperties.MqttPropertyType.SUBSCRIPTION_IDENTIFIER.value());
            if (id != null) {
                subscriptionId = (Integer) id.value();
            }
        }
        List<Packets.TopicRequest> requests = new ArrayList<>(s.topicSubscriptions().size());
        for (MqttTopicSubscription t : s.topicSubscriptions()) {
            MqttSubscriptionOption o = t.subscriptionOption();
            SubOptions options = o == null
                    ? new SubOptions(t.qualityOfService().value(), false, false, 0, subscriptionId)
                    : new SubOptions(t.qualityOfService().value(), o.isNoLocal(), o.isRetainAsPublished(),
                    o.retainHandling().value(), subscriptionId);
            requests.add(new Packets.TopicRequest(t.topicName(), options));
        }
        return new Packets.Subscribe(s.messageId(), requests);
    }

    // ChannelOutput

    @Override
    public void connackAccepted(boolean sessionPresent, String assignedClientId) {
        if (assignedClientId != null && endpoint.protocolVersion() >= 5) {
            MqttProperties props = new MqttProperties();
            props.add(new MqttProperties.StringProperty(MqttProperties.MqttPropertyType.ASSIGNED_CLIENT_IDENTIFIER.value(),
                    assignedClientId));
            endpoint.accept(sessionPresent, props);
        } else {
            endpoint.accept(sessionPresent);
        }
    }

    @Override
    public void connackRefused(Refusal refusal) {
        if (closed) {
            return;
        }
        try {
            endpoint.reject(MqttConnectReturnCode.valueOf((byte) refusal.code(endpoint.protocolVersion())));
        } catch (IllegalArgumentException alreadyClosed) {
            // the socket closed first
        }
    }

    @Override
    public void publish(int packetId, Message message, int qos, boolean dup, boolean retain) {
        if (closed) {
            return;
        }
        pendingWrites++;
        endpoint.publish(message.topic(), Buffer.buffer(message.payload()), MqttQoS.valueOf(qos), dup, retain, packetId)
                .onComplete(ar -> written());
    }

    private void written() {
        pendingWrites--;
        if (blocked && pendingWrites <= maxPendingWrites / 2) {
            blocked = false;
            channel.onWritable();
        }
    }

    @Override
    public void puback(int packetId) {
        if (!closed) {
            endpoint.publishAcknowledge(packetId);
        }
    }

    @Override
    public void pubrec(int packetId) {
        if (!closed) {
            endpoint.publishReceived(packetId);
        }
    }

    @Override
    public void pubrel(int packetId) {
        if (!closed) {
            endpoint.publishRelease(packetId);
        }
    }

    @Override
    public void pubcomp(int packetId) {
        if (!closed) {
            endpoint.publishComplete(packetId);
        }
    }

    @Override
    public void suback(int packetId, int[] codes) {
        if (closed) {
            return;
        }
        List<MqttSubAckReasonCode> reasons = new ArrayList<>(codes.length);
        for (int code : codes) {
            reasons.add(subAckCode(code));
        }
        endpoint.subscribeAcknowledge(packetId, reasons, MqttProperties.NO_PROPERTIES);
    }

    private static MqttSubAckReasonCode subAckCode(int code) {
        for (MqttSubAckReasonCode c : MqttSubAckReasonCode.values()) {
            if ((c.value() & 0xFF) == code) {
                return c;
            }
        }
        return MqttSubAckReasonCode.UNSPECIFIED_ERROR;
    }

    @Override
    public void unsuback(int packetId, int count) {
        if (!closed) {
            endpoint.unsubscribeAcknowledge(packetId);
        }
    }

    @Override
    public boolean writable() {
        if (closed) {
            return false;
        }
        if (pendingWrites >= maxPendingWrites) {
            blocked = true;
            return false;
        }
        return true;
    }

    @Override
    public void close(CloseReason reason) {
        if (closed) {
            return;
        }
        try {
            endpoint.close();
        } catch (IllegalArgumentException alreadyClosed) {
            // vertx-mqtt throws when the endpoint is already closed
        }
    }

    @Override
    public String remoteAddress() {
        return remote;
    }
}
