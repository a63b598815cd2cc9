package io.mqttcluster.gateway.connect;

/**
 * What the gateway learned from a client's CONNECT packet. Immutable.
 *
 * <p>It deliberately holds no credentials: only whether a user name and a password were present. The
 * Authentication Method of MQTT 5 enhanced authentication (e.g. "SCRAM-SHA-256") names a mechanism, not a secret;
 * the Authentication Data is not kept.
 *
 * @param protocolName   "MQTT" or "MQIsdp"
 * @param protocolLevel  3 (MQTT 3.1), 4 (3.1.1) or 5 (5.0); the bridge bit (0x80) is removed
 * @param bridge         true when the protocol level had the bridge bit set (a Mosquitto bridge)
 * @param clientId       the client identifier, possibly empty
 * @param cleanStart     clean session (3.x) / clean start (5.0)
 * @param keepAliveSeconds the keepalive from the fixed part of the packet
 * @param will           true when a will message is present
 * @param hasUsername    true when the user name flag is set
 * @param hasPassword    true when the password flag is set
 * @param packetLength   bytes of the whole CONNECT, fixed header included
 * @param authenticationMethod MQTT 5: the Authentication Method property, or null (no enhanced authentication:
 *                       the node answers with CONNACK, never AUTH)
 * @param maximumPacketSize MQTT 5: the largest packet the client accepts (Maximum Packet Size), 0 when not given
 */
public record ConnectInfo(
        String protocolName,
        int protocolLevel,
        boolean bridge,
        String clientId,
        boolean cleanStart,
        int keepAliveSeconds,
        boolean will,
        boolean hasUsername,
        boolean hasPassword,
        int packetLength,
        String authenticationMethod,
        long maximumPacketSize) {

    /** True for an MQTT 5.0 client: the gateway may send it reason codes (CONNACK, DISCONNECT). */
    public boolean mqtt5() {
        return protocolLevel == 5;
    }

    /** The protocol version as people write it, also the {@code protocol} label of the metrics: "3.1", "3.1.1", "5.0". */
    public String protocolLabel() {
        return protocolLabel(protocolLevel);
    }

    /** "3.1", "3.1.1" or "5.0" for a protocol level of 3, 4 or 5; else the level as a number. */
    public static String protocolLabel(int level) {
        return switch (level) {
            case 3 -> "3.1";
            case 4 -> "3.1.1";
            case 5 -> "5.0";
            default -> String.valueOf(level);
        };
    }
}
