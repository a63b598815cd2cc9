package io.mqttcluster.broker.protocol;

import io.mqttcluster.broker.mqtt.Refusal;
import io.mqttcluster.cluster.message.Message;

/**
 * What a {@link ClientProtocol} asks of its connection. The connection owns the socket and carries these out
 * in order; tests record them instead. Called on the connection's event loop only.
 */
public interface ProtocolOutput {

    /**
     * What a CONNACK accepting the connection says besides success.
     *
     * @param assignedClientId     set when the server chose the id
     * @param serverKeepAlive      MQTT 5: the keepalive the client must use instead of its own, or -1
     * @param sessionExpirySeconds MQTT 5: the session expiry the broker granted when it is not what the client
     *                             asked for, or -1
     */
    record Accepted(boolean sessionPresent, String assignedClientId, int serverKeepAlive, long sessionExpirySeconds,
                    String authenticationMethod, byte[] authenticationData) {

        public Accepted(boolean sessionPresent, String assignedClientId, int serverKeepAlive, long sessionExpirySeconds) {
            this(sessionPresent, assignedClientId, serverKeepAlive, sessionExpirySeconds, null, null);
        }
    }

    /** CONNACK accepting the connection. For MQTT 5 it also says what the broker allows (from its configuration). */
    void connackAccepted(Accepted accepted);

    /** AUTH to the client (MQTT 5): 0x18 continue, 0x00 re-authentication succeeded. */
    void auth(int reasonCode, String method, byte[] data);

    /** CONNACK refusing the connection, then close; {@code reasonString} (MQTT 5 only, may be null) says why. */
    void connackRefused(Refusal refusal, String reasonString);

    default void connackRefused(Refusal refusal) {
        connackRefused(refusal, null);
    }

    /**
     * PUBLISH to the client. {@code packetId} is 0 for QoS 0; {@code subscriptionIds}: the identifiers of the
     * subscriptions it matched (MQTT 5), or null.
     */
    void publish(int packetId, Message message, int qos, boolean dup, boolean retain, int[] subscriptionIds);

    /** Whether the PUBLISH of this message fits in the client's Maximum Packet Size (MQTT 5; always for 3.1.1). */
    default boolean fits(Message message, int[] subscriptionIds) {
        return true;
    }

    /** PUBACK with an MQTT 5 reason code ({@link io.mqttcluster.broker.mqtt.ReasonCode}; 3.1.1 sends none). */
    void puback(int packetId, int reasonCode);

    void pubrec(int packetId, int reasonCode);

    void pubrel(int packetId, int reasonCode);

    void pubcomp(int packetId, int reasonCode);

    default void puback(int packetId) {
        puback(packetId, 0);
    }

    default void pubrec(int packetId) {
        pubrec(packetId, 0);
    }

    default void pubrel(int packetId) {
        pubrel(packetId, 0);
    }

    default void pubcomp(int packetId) {
        pubcomp(packetId, 0);
    }

    /** SUBACK: per filter the granted QoS (0-2) or a failure code (0x80 for MQTT 3.1.1). */
    void suback(int packetId, int[] codes);

    /** UNSUBACK; {@code codes}: per filter 0x00 or 0x11 (no subscription existed), sent to MQTT 5 clients only. */
    void unsuback(int packetId, int[] codes);

    /** False while too many writes wait to be flushed: the channel holds back QoS 1/2 and drops QoS 0. */
    boolean writable();

    /** Stops (true) or resumes reading the client's packets: too many of its publishes wait for the store. */
    void pauseReading(boolean paused);

    /**
     * Closes the connection, after a DISCONNECT with {@code reasonCode} to an MQTT 5 client that got its CONNACK
     * (none when the code is negative). The only way a channel ends one.
     */
    void close(CloseReason reason, int reasonCode);

    /** {@link #close(CloseReason, int)} with the reason's own code. */
    default void close(CloseReason reason) {
        close(reason, reason.v5Code());
    }

    /**
     * The subject CN of the client's verified certificate: from this node's TLS handshake, or from the
     * PROXY header of a gateway that terminated TLS. Null without one.
     */
    default String certificateName() {
        return null;
    }

    /** Remote address for logs, e.g. {@code 10.0.0.7:51234}. */
    String remoteAddress();
}
