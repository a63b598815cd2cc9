package io.mqttcluster.broker.protocol;

import io.mqttcluster.cluster.message.MessageProperties;
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
     * @param v5                    the other MQTT 5 properties; {@link ConnectProperties#NONE} for 3.1 / 3.1.1
     */
    public record Connect(int protocolVersion, String clientId, boolean cleanStart, int keepAliveSeconds,
                          String username, byte[] password, Will will, long sessionExpirySeconds, int receiveMaximum,
                          ConnectProperties v5) {

        public Connect(int protocolVersion, String clientId, boolean cleanStart, int keepAliveSeconds, String username,
                       byte[] password, Will will, long sessionExpirySeconds, int receiveMaximum) {
            this(protocolVersion, clientId, cleanStart, keepAliveSeconds, username, password, will, sessionExpirySeconds,
                    receiveMaximum, ConnectProperties.NONE);
        }
    }

    /**
     * The MQTT 5 CONNECT properties besides session expiry and receive maximum (MQTT 5.0 section 3.1.2.11).
     *
     * @param topicAliasMaximum          most topic aliases the client accepts from the broker; 0: none
     * @param maximumPacketSize          largest packet the client accepts, in bytes; 0: no limit
     * @param requestResponseInformation the client asks for Response Information in the CONNACK
     * @param requestProblemInformation  false: no Reason String or User Property except on PUBLISH, CONNACK, DISCONNECT
     * @param authenticationMethod       enhanced authentication method, or null
     */
    public record ConnectProperties(int topicAliasMaximum, long maximumPacketSize, boolean requestResponseInformation,
                                    boolean requestProblemInformation, List<String[]> userProperties,
                                    String authenticationMethod, byte[] authenticationData) {

        public static final ConnectProperties NONE = new ConnectProperties(0, 0, false, true, List.of(), null, null);
    }

    /** A will; {@code properties} are its MQTT 5 will properties (null for 3.1.1 or none). */
    public record Will(String topic, byte[] payload, int qos, boolean retain, int delaySeconds, MessageProperties properties) {

        public Will(String topic, byte[] payload, int qos, boolean retain, int delaySeconds) {
            this(topic, payload, qos, retain, delaySeconds, null);
        }
    }

    /**
     * PUBLISH from a client.
     *
     * @param properties its MQTT 5 properties, with the expiry as a point in time; null for 3.1.1 or none
     * @param topicAlias MQTT 5 topic alias, 0 when none; {@code topic} may then be empty (the alias names it); -1 for
     *                   a Topic Alias of 0, which the connection refuses before the protocol sees it
     */
    public record Publish(int packetId, String topic, byte[] payload, int qos, boolean dup, boolean retain,
                          MessageProperties properties, int topicAlias) {

        public Publish(int packetId, String topic, byte[] payload, int qos, boolean dup, boolean retain) {
            this(packetId, topic, payload, qos, dup, retain, null, 0);
        }
    }

    /**
     * AUTH (MQTT 5 enhanced authentication, section 3.15).
     *
     * @param reasonCode 0x18 continue authentication, 0x19 re-authenticate (0x00 only from the server)
     */
    public record Auth(int reasonCode, String method, byte[] data) {
    }

    /**
     * DISCONNECT from a client.
     *
     * @param reasonCode           0x00 normal, 0x04 disconnect with will, others an error the client saw
     * @param sessionExpirySeconds a new session expiry interval, or -1 when not sent
     */
    public record Disconnect(int reasonCode, long sessionExpirySeconds) {

        public static final Disconnect NORMAL = new Disconnect(0, -1);
    }

    /** One topic filter of a SUBSCRIBE with the options the client asked for. */
    public record TopicRequest(String filter, SubOptions options) {
    }

    public record Subscribe(int packetId, List<TopicRequest> requests) {
    }

    public record Unsubscribe(int packetId, List<String> filters) {
    }
}
