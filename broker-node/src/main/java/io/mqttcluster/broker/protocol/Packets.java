package io.mqttcluster.broker.protocol;

import io.mqttcluster.cluster.session.SubOptions;

import java.util.List;

/**
 * The MQTT packets a {@link ClientProtocol} takes in, as plain values independent of the codec, so the protocol
 * rules are tested without sockets and the codec can change without touching them.
 */
public final class Packets {

    private Packets() {
    }

    /**
     * CONNECT.
     *
     * @param protocolVersion       3 (MQTT 3.1), 4 (3.1.1) or 5
     * @param clientId              as sent; empty when the client asks the server to assign one
     * @param cleanStart            clean session (3.1.1) / clean start (5)
     * @param sessionExpirySeconds  MQTT 5 session expiry interval, or -1 when not sent (3.1.1: derived from cleanStart)
     * @param receiveMaximum        MQTT 5 receive maximum, or 65535
     */
    public record Connect(int protocolVersion, String clientId, boolean cleanStart, int keepAliveSeconds,
                          String username, byte[] password, Will will, long sessionExpirySeconds, int receiveMaximum) {
    }

    public record Will(String topic, byte[] payload, int qos, boolean retain, int delaySeconds) {
    }

    public record Publish(int packetId, String topic, byte[] payload, int qos, boolean dup, boolean retain) {
    }

    /** One topic filter of a SUBSCRIBE with the options the client asked for. */
    public record TopicRequest(String filter, SubOptions options) {
    }

    public record Subscribe(int packetId, List<TopicRequest> requests) {
    }

    public record Unsubscribe(int packetId, List<String> filters) {
    }
}
