package io.mqttcluster.broker.testing;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * A raw MQTT peer on a plain socket, for what real client libraries refuse to send: duplicates, garbage,
 * malformed packets. Writes bytes; reads whole packets back.
 */
public final class RawClient implements AutoCloseable {

    /** One packet read from the broker. */
    public record Packet(int type, int flags, byte[] body) {
        public int packetId() {
            return ((body[0] & 0xFF) << 8) | (body[1] & 0xFF);
        }
    }

    public static final int CONNACK = 2;
    public static final int PUBLISH = 3;
    public static final int PUBACK = 4;
    public static final int PUBREC = 5;
    public static final int PUBREL = 6;
    public static final int PUBCOMP = 7;
    public static final int SUBACK = 9;
    public static final int UNSUBACK = 11;
    public static final int PINGRESP = 13;
    public static final int DISCONNECT = 14;

    private final Socket socket;
    private final OutputStream out;
    private final DataInputStream in;

    public RawClient(int port) throws IOException {
        this("127.0.0.1", port);
    }

    /** A client whose connection comes from {@code sourceAddress} (any of 127.0.0.0/8 on loopback). */
    public RawClient(String sourceAddress, int port) throws IOException {
        socket = new Socket();
        socket.bind(new java.net.InetSocketAddress(sourceAddress, 0));
        socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 10_000);
        socket.setSoTimeout(10_000);
        socket.setTcpNoDelay(true);
        out = socket.getOutputStream();
        in = new DataInputStream(socket.getInputStream());
    }

    public RawClient send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /** CONNECT for MQTT 3.1.1 (level 4) unless another level is given. */
    public static byte[] connect(String clientId, boolean clean, int keepAlive) {
        return connect(4, clientId, clean, keepAlive, null, null, 0);
    }

    public static byte[] connect(int level, String clientId, boolean clean, int keepAlive, String willTopic,
                                 byte[] willPayload, int willQos) {
        return connect(level, clientId, clean, keepAlive, willTopic, willPayload, willQos, false);
    }

    public static byte[] connect(int level, String clientId, boolean clean, int keepAlive, String willTopic,
                                 byte[] willPayload, int willQos, boolean willRetain) {
        ByteArrayOutputStream v = new ByteArrayOutputStream();
        writeString(v, level == 3 ? "MQIsdp" : "MQTT");
        v.write(level);
        int flags = clean ? 0x02 : 0;
        if (willTopic != null) {
            flags |= 0x04 | (willQos << 3) | (willRetain ? 0x20 : 0);
        }
        v.write(flags);
        v.write(keepAlive >> 8);
        v.write(keepAlive & 0xFF);
        writeString(v, clientId);
        if (willTopic != null) {
            writeString(v, willTopic);
            v.write(willPayload.length >> 8);
            v.write(willPayload.length & 0xFF);
            v.writeBytes(willPayload);
        }
        return packet(0x10, v.toByteArray());
    }

    /**
     * CONNECT for MQTT 5 with a session expiry interval and, when {@code willTopic} is set, a will with a will
     * delay interval (MQTT 5.0 3.1.2.11.2, 3.1.3.2.2).
     */
    public static byte[] connect5(String clientId, boolean cleanStart, int keepAlive, long sessionExpiry,
                                  String willTopic, byte[] willPayload, int willQos, long willDelay) {
        ByteArrayOutputStream v = new ByteArrayOutputStream();
        writeString(v, "MQTT");
        v.write(5);
        int flags = cleanStart ? 0x02 : 0;
        if (willTopic != null) {
            flags |= 0x04 | (willQos << 3);
        }
        v.write(flags);
        v.write(keepAlive >> 8);
        v.write(keepAlive & 0xFF);
        v.write(5); // properties: session expiry interval
        v.write(0x11);
        writeInt(v, sessionExpiry);
        writeString(v, clientId);
        if (willTopic != null) {
            v.write(5); // will properties: will delay interval
            v.write(0x18);
            writeInt(v, willDelay);
            writeString(v, willTopic);
            v.write(willPayload.length >> 8);
            v.write(willPayload.length & 0xFF);
            v.writeBytes(willPayload);
        }
        return packet(0x10, v.toByteArray());
    }

    /** CONNECT for MQTT 5, clean start, with raw CONNECT properties (without their length; under 128 bytes). */
    public static byte[] connect5(String clientId, int keepAlive, byte[] properties) {
        ByteArrayOutputStream v = new ByteArrayOutputStream();
        writeString(v, "MQTT");
        v.write(5);
        v.write(0x02);
        v.write(keepAlive >> 8);
        v.write(keepAlive & 0xFF);
        v.write(properties.length);
        v.writeBytes(properties);
        writeString(v, clientId);
        return packet(0x10, v.toByteArray());
    }

    /** SUBSCRIBE for MQTT 5 (no properties). */
    public static byte[] subscribe5(int packetId, String filter, int qos) {
        ByteArrayOutputStream v = new ByteArrayOutputStream();
        v.write(packetId >> 8);
        v.write(packetId & 0xFF);
        v.write(0);
        writeString(v, filter);
        v.write(qos);
        return packet(0x82, v.toByteArray());
    }

    private static void writeInt(ByteArrayOutputStream o, long value) {
        o.write((int) (value >> 24) & 0xFF);
        o.write((int) (value >> 16) & 0xFF);
        o.write((int) (value >> 8) & 0xFF);
        o.write((int) value & 0xFF);
    }

    public static byte[] subscribe(int packetId, String filter, int qos) {
        ByteArrayOutputStream v = new ByteArrayOutputStream();
        v.write(packetId >> 8);
        v.write(packetId & 0xFF);
        writeString(v, filter);
        v.write(qos);
        return packet(0x82, v.toByteArray());
    }

    public static byte[] publish(String topic, byte[] payload, int qos, boolean dup, boolean retain, int packetId) {
        ByteArrayOutputStream v = new ByteArrayOutputStream();
        writeString(v, topic);
        if (qos > 0) {
            v.write(packetId >> 8);
            v.write(packetId & 0xFF);
        }
        v.writeBytes(payload);
        return packet(0x30 | (dup ? 0x08 : 0) | (qos << 1) | (retain ? 1 : 0), v.toByteArray());
    }

    /**
     * PUBLISH for MQTT 5 with raw properties ({@code properties}: the property bytes without their length, e.g.
     * {@code {0x23, 0, 1}} for topic alias 1).
     */
    public static byte[] publish5(String topic, byte[] payload, int qos, int packetId, byte[] properties) {
        return publish5(topic, payload, qos, packetId, properties, false);
    }

    public static byte[] publish5(String topic, byte[] payload, int qos, int packetId, byte[] properties, boolean retain) {
        ByteArrayOutputStream v = new ByteArrayOutputStream();
        writeString(v, topic);
        if (qos > 0) {
            v.write(packetId >> 8);
            v.write(packetId & 0xFF);
        }
        v.write(properties.length); // under 128 in the tests
        v.writeBytes(properties);
        v.writeBytes(payload);
        return packet(0x30 | (qos << 1) | (retain ? 1 : 0), v.toByteArray());
    }

    /** The reason code of an MQTT 5 DISCONNECT packet (0 when it has none). */
    public static int reasonCode(Packet p) {
        return p.body().length == 0 ? 0 : p.body()[0] & 0xFF;
    }

    public static byte[] ack(int type, int packetId) {
        int first = type << 4 | (type == PUBREL ? 0x02 : 0);
        return packet(first, new byte[]{(byte) (packetId >> 8), (byte) packetId});
    }

    public static byte[] pubrel(int packetId) {
        return ack(PUBREL, packetId);
    }

    public static byte[] disconnect() {
        return new byte[]{(byte) 0xE0, 0};
    }

    public static byte[] packet(int first, byte[] body) {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.write(first);
        int len = body.length;
        do {
            int b = len % 128;
            len /= 128;
            if (len > 0) {
                b |= 0x80;
            }
            p.write(b);
        } while (len > 0);
        p.writeBytes(body);
        return p.toByteArray();
    }

    static void writeString(ByteArrayOutputStream o, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        o.write(b.length >> 8);
        o.write(b.length & 0xFF);
        o.writeBytes(b);
    }

    /** Reads one packet; fails on timeout or end of stream. */
    public Packet read() throws IOException {
        int first = in.readUnsignedByte();
        int len = 0;
        int mult = 1;
        int b;
        do {
            b = in.readUnsignedByte();
            len += (b & 0x7F) * mult;
            mult *= 128;
        } while ((b & 0x80) != 0);
        byte[] body = new byte[len];
        in.readFully(body);
        return new Packet(first >> 4, first & 0x0F, body);
    }

    /** Reads packets until one of the given type arrives (others are returned to nobody). */
    public Packet readUntil(int type) throws IOException {
        while (true) {
            Packet p = read();
            if (p.type() == type) {
                return p;
            }
        }
    }

    /** True when the broker closes the connection within the timeout (anything read before is skipped). */
    public boolean closedWithin(int millis) throws IOException {
        socket.setSoTimeout(millis);
        InputStream raw = socket.getInputStream();
        byte[] buf = new byte[4096];
        long deadline = System.currentTimeMillis() + millis;
        try {
            while (System.currentTimeMillis() < deadline) {
                if (raw.read(buf) < 0) {
                    return true;
                }
            }
            return false;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (EOFException | java.net.SocketException e) {
            return true;
        }
    }

    /** Stops reading: the socket's buffers fill up and the broker must cope. */
    public Socket socket() {
        return socket;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    /** Publish topic of a PUBLISH packet. */
    public static String topicOf(Packet p) {
        int len = ((p.body()[0] & 0xFF) << 8) | (p.body()[1] & 0xFF);
        return new String(p.body(), 2, len, StandardCharsets.UTF_8);
    }

    /** Payload of a PUBLISH packet. */
    public static String payloadOf(Packet p) {
        int len = ((p.body()[0] & 0xFF) << 8) | (p.body()[1] & 0xFF);
        int qos = (p.flags() >> 1) & 0x03;
        int start = 2 + len + (qos > 0 ? 2 : 0);
        return new String(p.body(), start, p.body().length - start, StandardCharsets.UTF_8);
    }

    /** Packet id of a QoS 1/2 PUBLISH packet. */
    public static int publishPacketId(Packet p) {
        int len = ((p.body()[0] & 0xFF) << 8) | (p.body()[1] & 0xFF);
        return ((p.body()[2 + len] & 0xFF) << 8) | (p.body()[3 + len] & 0xFF);
    }
}
