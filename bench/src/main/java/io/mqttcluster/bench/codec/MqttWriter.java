package io.mqttcluster.bench.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.nio.charset.StandardCharsets;

/**
 * Writes the packets a client sends (MQTT 3.1.1 and 5) into exactly sized buffers. Stateless; every method
 * allocates one buffer from the given allocator and the caller hands it to the channel.
 */
public final class MqttWriter {

    /** MQTT 5 property identifiers used by the bench client. */
    private static final int PROP_SESSION_EXPIRY_INTERVAL = 0x11;
    private static final int PROP_RECEIVE_MAXIMUM = 0x21;

    private static final byte[] PROTOCOL_NAME = {0, 4, 'M', 'Q', 'T', 'T'};

    private MqttWriter() {
    }

    /** What CONNECT carries. {@code sessionExpirySeconds} is sent only for MQTT 5 (0 = not sent). */
    public static final class ConnectSpec {
        public final String clientId;
        public final boolean cleanSession;
        public final int keepAliveSeconds;
        public final String username;
        public final String password;
        public final long sessionExpirySeconds;
        public final int receiveMaximum;

        public ConnectSpec(String clientId, boolean cleanSession, int keepAliveSeconds, String username,
                           String password, long sessionExpirySeconds, int receiveMaximum) {
            this.clientId = clientId;
            this.cleanSession = cleanSession;
            this.keepAliveSeconds = keepAliveSeconds;
            this.username = username;
            this.password = password;
            this.sessionExpirySeconds = sessionExpirySeconds;
            this.receiveMaximum = receiveMaximum;
        }
    }

    public static ByteBuf connect(ByteBufAllocator alloc, MqttVersion version, ConnectSpec spec) {
        byte[] id = utf8(spec.clientId);
        byte[] user = spec.username == null ? null : utf8(spec.username);
        byte[] pass = spec.password == null ? null : utf8(spec.password);
        int propertiesLength = 0;
        if (version.isV5()) {
            if (spec.sessionExpirySeconds > 0) {
                propertiesLength += 5;
            }
            if (spec.receiveMaximum > 0 && spec.receiveMaximum < 65535) {
                propertiesLength += 3;
            }
        }
        int remaining = PROTOCOL_NAME.length + 1 + 1 + 2
                + (version.isV5() ? varIntSize(propertiesLength) + propertiesLength : 0)
                + 2 + id.length
                + (user == null ? 0 : 2 + user.length)
                + (pass == null ? 0 : 2 + pass.length);
        ByteBuf buf = alloc.buffer(1 + varIntSize(remaining) + remaining);
        buf.writeByte(PacketType.CONNECT << 4);
        writeVarInt(buf, remaining);
        buf.writeBytes(PROTOCOL_NAME);
        buf.writeByte(version.level());
        int flags = (spec.cleanSession ? 0x02 : 0) | (user != null ? 0x80 : 0) | (pass != null ? 0x40 : 0);
        buf.writeByte(flags);
        buf.writeShort(spec.keepAliveSeconds);
        if (version.isV5()) {
            writeVarInt(buf, propertiesLength);
            if (spec.sessionExpirySeconds > 0) {
                buf.writeByte(PROP_SESSION_EXPIRY_INTERVAL);
                buf.writeInt((int) Math.min(spec.sessionExpirySeconds, 0xFFFFFFFFL));
            }
            if (spec.receiveMaximum > 0 && spec.receiveMaximum < 65535) {
                buf.writeByte(PROP_RECEIVE_MAXIMUM);
                buf.writeShort(spec.receiveMaximum);
            }
        }
        buf.writeShort(id.length).writeBytes(id);
        if (user != null) {
            buf.writeShort(user.length).writeBytes(user);
        }
        if (pass != null) {
            buf.writeShort(pass.length).writeBytes(pass);
        }
        return buf;
    }

    /** The size of a PUBLISH packet with the given topic and payload length. */
    public static int publishSize(MqttVersion version, int topicLength, int qos, int payloadLength) {
        int remaining = publishRemaining(version, topicLength, qos, payloadLength);
        return 1 + varIntSize(remaining) + remaining;
    }

    private static int publishRemaining(MqttVersion version, int topicLength, int qos, int payloadLength) {
        return 2 + topicLength + (qos > 0 ? 2 : 0) + (version.isV5() ? 1 : 0) + payloadLength;
    }

    /**
     * Writes the fixed and variable header of a PUBLISH; the caller then writes exactly {@code payloadLength} bytes
     * of payload into the same buffer.
     */
    public static void writePublishHeader(ByteBuf buf, MqttVersion version, byte[] topic, int qos, boolean dup,
                                          boolean retain, int packetId, int payloadLength) {
        int remaining = publishRemaining(version, topic.length, qos, payloadLength);
        buf.writeByte((PacketType.PUBLISH << 4) | (dup ? 0x08 : 0) | (qos << 1) | (retain ? 0x01 : 0));
        writeVarInt(buf, remaining);
        buf.writeShort(topic.length);
        buf.writeBytes(topic);
        if (qos > 0) {
            buf.writeShort(packetId);
        }
        if (version.isV5()) {
            buf.writeByte(0); // no properties
        }
    }

    /** PUBACK, PUBREC, PUBREL or PUBCOMP: the short form (success) in both versions. */
    public static ByteBuf ack(ByteBufAllocator alloc, int type, int packetId) {
        ByteBuf buf = alloc.buffer(4);
        buf.writeByte((type << 4) | (type == PacketType.PUBREL ? 0x02 : 0));
        buf.writeByte(2);
        buf.writeShort(packetId);
        return buf;
    }

    /** SUBSCRIBE to several filters at one QoS. */
    public static ByteBuf subscribe(ByteBufAllocator alloc, MqttVersion version, int packetId, String[] filters, int qos) {
        byte[][] encoded = new byte[filters.length][];
        int remaining = 2 + (version.isV5() ? 1 : 0);
        for (int i = 0; i < filters.length; i++) {
            encoded[i] = utf8(filters[i]);
            remaining += 2 + encoded[i].length + 1;
        }
        ByteBuf buf = alloc.buffer(1 + varIntSize(remaining) + remaining);
        buf.writeByte((PacketType.SUBSCRIBE << 4) | 0x02);
        writeVarInt(buf, remaining);
        buf.writeShort(packetId);
        if (version.isV5()) {
            buf.writeByte(0);
        }
        for (byte[] filter : encoded) {
            buf.writeShort(filter.length).writeBytes(filter);
            buf.writeByte(qos);
        }
        return buf;
    }

    public static ByteBuf pingReq(ByteBufAllocator alloc) {
        return alloc.buffer(2).writeByte(PacketType.PINGREQ << 4).writeByte(0);
    }

    /** DISCONNECT with normal disconnection (no reason code needed in either version). */
    public static ByteBuf disconnect(ByteBufAllocator alloc) {
        return alloc.buffer(2).writeByte(PacketType.DISCONNECT << 4).writeByte(0);
    }

    public static int varIntSize(int value) {
        if (value < 128) {
            return 1;
        } else if (value < 16_384) {
            return 2;
        } else if (value < 2_097_152) {
            return 3;
        }
        return 4;
    }

    public static void writeVarInt(ByteBuf buf, int value) {
        do {
            int digit = value & 0x7F;
            value >>>= 7;
            buf.writeByte(value > 0 ? digit | 0x80 : digit);
        } while (value > 0);
    }

    public static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
