package io.mqttcluster.gateway.connect;

/**
 * The MQTT 5.0 reason codes the gateway itself sends or reports [MQTT 5.0 section 2.4], in one place. The
 * gateway speaks these only to clients whose CONNECT said protocol level 5; MQTT 3.1 and 3.1.1 clients get a packet
 * from the gateway only when their client id is banned: a CONNACK with {@link #V3_SERVER_UNAVAILABLE}.
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
    /** CONNACK: the client id connected too often lately and is banned for a while (flapping detection). */
    public static final int CONNECTION_RATE_EXCEEDED = 0x9F;
    /** DISCONNECT: a rebalance moves the client to another node, reached through the same address. */
    public static final int USE_ANOTHER_SERVER = 0x9C;

    /**
     * MQTT 3.1 and 3.1.1 CONNACK return code 0x03, "Server unavailable" [MQTT 3.1.1 section 3.2.2.3]: what a 3.x
     * client gets for a banned client id, the nearest 3.x has to 5.0's 0x9F (a temporary refusal, not a bad
     * password or client id).
     */
    public static final int V3_SERVER_UNAVAILABLE = 0x03;

    private ReasonCodes() {
    }

    /** The metric label of a reason code: {@code 0x9c}. */
    public static String label(int code) {
        return String.format("0x%02x", code & 0xFF);
    }
}
