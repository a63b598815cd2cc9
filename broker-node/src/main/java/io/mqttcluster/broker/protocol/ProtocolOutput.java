package io.mqttcluster.broker.protocol;

import io.mqttcluster.broker.mqtt.Refusal;
import io.mqttcluster.cluster.message.Message;

/**
 * What a {@link ClientProtocol} asks of its connection. The connection owns the socket and carries these out
 * in order; tests record them instead. Called on the connection's event loop only.
 */
public interface ProtocolOutput {

    /** CONNACK accepting the connection; {@code assignedClientId} is set when the server chose the id. */
    void connackAccepted(boolean sessionPresent, String assignedClientId);

    /** CONNACK refusing the connection, then close. */
    void connackRefused(Refusal refusal);

    /** PUBLISH to the client. {@code packetId} is 0 for QoS 0. */
    void publish(int packetId, Message message, int qos, boolean dup, boolean retain);

    void puback(int packetId);

    void pubrec(int packetId);

    void pubrel(int packetId);

    void pubcomp(int packetId);

    /** SUBACK: per filter the granted QoS (0-2) or a failure code (0x80 for MQTT 3.1.1). */
    void suback(int packetId, int[] codes);

    void unsuback(int packetId, int count);

    /** False while too many writes wait to be flushed: the channel holds back QoS 1/2 and drops QoS 0. */
    boolean writable();

    /** Closes the connection. The only way a channel ends one. */
    void close(CloseReason reason);

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
