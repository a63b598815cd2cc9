package io.mqttcluster.faults.client;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One MQTT 3.1.1 control packet as read from the wire: the type (high nibble of the first byte), its flags (low
 * nibble) and the bytes after the remaining length. Accessors decode the fields the harness needs.
 */
public record Packet(int type, int flags, byte[] body) {

    public static final int CONNECT = 1;
    public static final int CONNACK = 2;
    public static final int PUBLISH = 3;
    public static final int PUBACK = 4;
    public static final int PUBREC = 5;
    public static final int PUBREL = 6;
    public static final int PUBCOMP = 7;
    public static final int SUBSCRIBE = 8;
    public static final int SUBACK = 9;
    public static final int PINGREQ = 12;
    public static final int PINGRESP = 13;
    public static final int DISCONNECT = 14;

    /** Packet id of PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK (the first two bytes of the body). */
    public int packetId() {
        return ((body[0] & 0xFF) << 8) | (body[1] & 0xFF);
    }

    public int qos() {
        return (flags >> 1) & 0x03;
    }

    public boolean dup() {
        return (flags & 0x08) != 0;
    }

    public boolean retain() {
        return (flags & 0x01) != 0;
    }

    private int topicLength() {
        return ((body[0] & 0xFF) << 8) | (body[1] & 0xFF);
    }

    /** Topic of a PUBLISH. */
    public String topic() {
        return new String(body, 2, topicLength(), StandardCharsets.UTF_8);
    }

    /** Packet id of a QoS 1/2 PUBLISH (0 for QoS 0). */
    public int publishPacketId() {
        if (qos() == 0) {
            return 0;
        }
        int at = 2 + topicLength();
        return ((body[at] & 0xFF) << 8) | (body[at + 1] & 0xFF);
    }

    /** Payload of a PUBLISH. */
    public byte[] payload() {
        int start = 2 + topicLength() + (qos() > 0 ? 2 : 0);
        return Arrays.copyOfRange(body, start, body.length);
    }

    /** CONNACK return code. */
    public int connackCode() {
        return body[1] & 0xFF;
    }

    /** CONNACK session present. */
    public boolean sessionPresent() {
        return (body[0] & 0x01) != 0;
    }

    /** SUBACK return codes, one per filter of the SUBSCRIBE (0x80: refused). */
    public int[] subackCodes() {
        int[] codes = new int[body.length - 2];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = body[2 + i] & 0xFF;
        }
        return codes;
    }
}
