package io.mqttcluster.gateway.connect;

/**
 * The MQTT 5.0 reason codes the gateway itself sends or reports [MQTT 5.0 section 2.4], in one place. The
 * gateway speaks these only to clients whose CONNECT said protocol level 5; MQTT 3.1 and 3.1.1 clients get no
 * packet from the gateway.
 */
public final class ReasonCodes {
    /** CONNACK: the CONNECT could not be parsed (a bad property identifier, a field past the packet's end). */
    public static final int MALFORMED_PACKET = 0x81;
    /** CONNACK: the CONNECT parsed but breaks a rule (a property given twice, a zero Receive Maximum). */
    public static final int PROTOCOL_ERROR = 0x82;
    /** CONNACK: no node could take the client (none ready, or none reachable). */
    public static final int SERVER_UNAVAILABLE = 0x88;
    /** DISCONNECT: the client's node is being drained (it is stopping, or not ready): reconnect. */
    public static final int SERVER_SHUTTING_DOWN = 0x8B;
    /** CONNACK: the CONNECT is larger than connect.max-size. */
    public static final int PACKET_TOO_LARGE = 0x95;
    /** DISCONNECT: a rebalance moves the client to another node, reached through the same address. */
    public static final int USE_ANOTHER_SERVER = 0x9C;

    private ReasonCodes() {
    }

    /** The metric label of a reason code: {@code 0x9c}. */
    public static String label(int code) {
        return String.format("0x%02x", code & 0xFF);
    }
}
