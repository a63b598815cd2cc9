package io.mqttcluster.gateway.connect;

/**
 * What the gateway learned from a client's CONNECT packet. Immutable.
 *
 * <p>It deliberately holds no credentials: only whether a user name and a password were present.
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
        int packetLength) {
}
