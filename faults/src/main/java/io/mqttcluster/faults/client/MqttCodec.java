package io.mqttcluster.faults.client;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * MQTT 3.1.1 framing for the harness's own client: encodes the packets it sends, byte for byte as the spec
 * draws them (so DUP, packet ids and resends are exactly what the harness asks for), and reads whole packets.
 */
public final class MqttCodec {

    /** Largest remaining length MQTT can express (four length bytes). */
    public static final int MAX_REMAINING = 268_435_455;

    private MqttCodec() {
    }

    public static byte[] connect(String clientId, boolean cleanSession, int keepAliveSeconds) {
        ByteArrayOutputStream v = new ByteArrayOutputStream();
        string(v, "MQTT");
        v.write(4); // protocol level 3.1.1
        v.write(cleanSession ? 0x02 : 0x00);
        v.write(keepAliveSeconds >> 8);
        v.write(keepAliveSeconds & 0xFF);
        string(v, clientId);
        return packet(0x10, v.toByteArray());
    }

    /** SUBSCRIBE with one (filter, requested QoS) pair per entry. */
    public static byte[] subscribe(int packetId, List<String> filters, List<Integer> qos) {
        ByteArrayOutputStream v = new ByteArrayOutputStream();
        id(v, packetId);
        for (int i = 0; i < filters.size(); i++) {
            string(v, filters.get(i));
            v.write(qos.get(i));
        }
        return packet(0x82, v.toByteArray()); // [MQTT-3.8.1-1] flags 0010
    }

    public static byte[] publish(String topic, byte[] payload, int qos, boolean dup, int packetId) {
        if (qos < 0 || qos > 2 || (qos > 0 && (packetId < 1 || packetId > 65535))) {
            throw new IllegalArgumentException("qos " + qos + " packet id " + packetId);
        }
        ByteArrayOutputStream v = new ByteArrayOutputStream();
        string(v, topic);
        if (qos > 0) {
            id(v, packetId);
        }
        v.writeBytes(payload);
        return packet(0x30 | (dup ? 0x08 : 0) | (qos << 1), v.toByteArray());
    }

    public static byte[] puback(int packetId) {
        return ack(0x40, packetId);
    }

    public static byte[] pubrec(int packetId) {
        return ack(0x50, packetId);
    }

    /** PUBREL: fixed header flags 0010 [MQTT-3.6.1-1]. */
    public static byte[] pubrel(int packetId) {
        return ack(0x62, packetId);
    }

    public static byte[] pubcomp(int packetId) {
        return ack(0x70, packetId);
    }

    public static byte[] pingreq() {
        return new byte[]{(byte) 0xC0, 0};
    }

    public static byte[] disconnect() {
        return new byte[]{(byte) 0xE0, 0};
    }

    private static byte[] ack(int first, int packetId) {
        return new byte[]{(byte) first, 2, (byte) (packetId >> 8), (byte) packetId};
    }

    /** A fixed header (first byte, remaining length) followed by the body. */
    public static byte[] packet(int first, byte[] body) {
        ByteArrayOutputStream p = new ByteArrayOutputStream(body.length + 5);
        p.write(first);
        writeRemainingLength(p, body.length);
        p.writeBytes(body);
        return p.toByteArray();
    }

    static void writeRemainingLength(ByteArrayOutputStream p, int length) {
        if (length < 0 || length > MAX_REMAINING) {
            throw new IllegalArgumentException("remaining length " + length);
        }
        int len = length;
        do {
            int b = len % 128;
            len /= 128;
            if (len > 0) {
                b |= 0x80;
            }
            p.write(b);
        } while (len > 0);
    }

    /** Reads one whole packet; EOFException at the end of the stream, IOException on a malformed length. */
    public static Packet read(InputStream in, int maxRemaining) throws IOException {
        int first = in.read();
        if (first < 0) {
            throw new EOFException("end of stream");
        }
        int len = 0;
        int mult = 1;
        for (int i = 0; ; i++) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("end of stream in the remaining length");
            }
            len += (b & 0x7F) * mult;
            if ((b & 0x80) == 0) {
                break;
            }
            if (i == 3) {
                throw new IOException("malformed remaining length");
            }
            mult *= 128;
        }
        if (len > maxRemaining) {
            throw new IOException("packet of " + len + " bytes, more than " + maxRemaining);
        }
        byte[] body = in.readNBytes(len);
        if (body.length < len) {
            throw new EOFException("end of stream in a packet body");
        }
        return new Packet(first >> 4, first & 0x0F, body);
    }

    private static void string(ByteArrayOutputStream o, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        o.write(b.length >> 8);
        o.write(b.length & 0xFF);
        o.writeBytes(b);
    }

    private static void id(ByteArrayOutputStream o, int packetId) {
        o.write(packetId >> 8);
        o.write(packetId & 0xFF);
    }
}
