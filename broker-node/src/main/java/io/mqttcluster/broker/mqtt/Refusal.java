package io.mqttcluster.broker.mqtt;

/**
 * Why a CONNECT is refused, with the CONNACK code for each protocol version in one place
 * (MQTT 3.1.1 table 3.1, MQTT 5.0 table 3.6).
 */
public enum Refusal {
    UNSUPPORTED_PROTOCOL(0x01, 0x84),
    CLIENT_ID_REJECTED(0x02, 0x85),
    SERVER_UNAVAILABLE(0x03, 0x88),
    BAD_CREDENTIALS(0x04, 0x86),
    NOT_AUTHORIZED(0x05, 0x87),
    SERVER_BUSY(0x03, 0x89),
    QUOTA_EXCEEDED(0x03, 0x97),
    TOPIC_NAME_INVALID(0x02, 0x90),
    PROTOCOL_ERROR(0x02, 0x82),
    /** MQTT 5 only: the CONNECT names an enhanced authentication method this node does not offer. */
    BAD_AUTHENTICATION_METHOD(0x05, 0x8C),
    /** MQTT 5 only: a will with RETAIN while retained messages are off. */
    RETAIN_NOT_SUPPORTED(0x05, 0x9A),
    /** MQTT 5 only: a will QoS above the broker's Maximum QoS. */
    QOS_NOT_SUPPORTED(0x05, 0x9B);

    private final int v3Code;
    private final int v5Code;

    Refusal(int v3Code, int v5Code) {
        this.v3Code = v3Code;
        this.v5Code = v5Code;
    }

    /** The refusal an MQTT 5 reason code stands for (a failed AUTH exchange); NOT_AUTHORIZED for any other. */
    public static Refusal forV5Code(int code) {
        for (Refusal r : values()) {
            if (r.v5Code == code) {
                return r;
            }
        }
        return NOT_AUTHORIZED;
    }

    /** The CONNACK return / reason code for a client of this protocol version. */
    public int code(int protocolVersion) {
        return protocolVersion >= 5 ? v5Code : v3Code;
    }
}
