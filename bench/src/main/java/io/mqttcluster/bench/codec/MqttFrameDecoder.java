package io.mqttcluster.bench.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

import java.util.List;

/**
 * A minimal decoder of the packets a broker sends to a client (MQTT 3.1.1 and 5). It frames the byte stream by the
 * fixed header and calls a {@link PacketListener} for each complete packet, passing views of the read buffer: no
 * packet objects and no copies on the hot path. One instance per channel, used only on that channel's event loop.
 */
public final class MqttFrameDecoder extends ByteToMessageDecoder {

    private final PacketListener listener;
    private final boolean v5;
    private final int maxPacketSize;
    private boolean failed;

    public MqttFrameDecoder(PacketListener listener, MqttVersion version, int maxPacketSize) {
        this.listener = listener;
        this.v5 = version.isV5();
        this.maxPacketSize = maxPacketSize;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        decodeFrames(in);
    }

    /**
     * Decodes the complete packets at the start of {@code in} and leaves an incomplete one unread. The pipeline
     * calls it through {@link #decode}; a blocking client outside Netty hands it the bytes it read from its socket.
     */
    public void decodeFrames(ByteBuf in) {
        while (true) {
            if (failed) {
                in.skipBytes(in.readableBytes());
                return;
            }
            int start = in.readerIndex();
            int readable = in.readableBytes();
            if (readable < 2) {
                return;
            }
            int first = in.getUnsignedByte(start);
            // Remaining length: 1 to 4 bytes, 7 bits each, least significant first.
            int remaining = 0;
            int multiplier = 1;
            int pos = start + 1;
            int lengthBytes = 0;
            while (true) {
                if (pos >= start + readable) {
                    return; // length not complete yet
                }
                int b = in.getUnsignedByte(pos++);
                remaining += (b & 0x7F) * multiplier;
                lengthBytes++;
                if ((b & 0x80) == 0) {
                    break;
                }
                if (lengthBytes == 4) {
                    fail("remaining length longer than 4 bytes");
                    return;
                }
                multiplier <<= 7;
            }
            if (remaining > maxPacketSize) {
                fail("packet of " + remaining + " bytes exceeds the limit of " + maxPacketSize);
                return;
            }
            int headerSize = 1 + lengthBytes;
            if (readable < headerSize + remaining) {
                return; // wait for the rest of the packet
            }
            int body = start + headerSize;
            in.readerIndex(body + remaining);
            dispatch(first, in, body, remaining);
        }
    }

    private void dispatch(int first, ByteBuf in, int body, int length) {
        int type = first >>> 4;
        switch (type) {
            case PacketType.PUBLISH:
                decodePublish(first, in, body, length);
                break;
            case PacketType.PUBACK:
                if (length < 2) {
                    fail("short PUBACK");
                } else {
                    listener.onPubAck(in.getUnsignedShort(body), length > 2 ? in.getUnsignedByte(body + 2) : 0);
                }
                break;
            case PacketType.PUBREC:
                if (length < 2) {
                    fail("short PUBREC");
                } else {
                    listener.onPubRec(in.getUnsignedShort(body), length > 2 ? in.getUnsignedByte(body + 2) : 0);
                }
                break;
            case PacketType.PUBREL:
                if (length < 2) {
                    fail("short PUBREL");
                } else {
                    listener.onPubRel(in.getUnsignedShort(body));
                }
                break;
            case PacketType.PUBCOMP:
                if (length < 2) {
                    fail("short PUBCOMP");
                } else {
                    listener.onPubComp(in.getUnsignedShort(body));
                }
                break;
            case PacketType.CONNACK:
                if (length < 2) {
                    fail("short CONNACK");
                } else {
                    int receiveMaximum = v5 && length > 2 ? connAckReceiveMaximum(in, body + 2, body + length) : 65535;
                    if (receiveMaximum >= 0) {
                        listener.onConnAck((in.getUnsignedByte(body) & 0x01) != 0, in.getUnsignedByte(body + 1), receiveMaximum);
                    }
                }
                break;
            case PacketType.SUBACK:
                decodeSubAck(in, body, length);
                break;
            case PacketType.UNSUBACK:
                break;
            case PacketType.PINGRESP:
                listener.onPingResp();
                break;
            case PacketType.DISCONNECT:
                listener.onServerDisconnect(length > 0 ? in.getUnsignedByte(body) : 0);
                break;
            case PacketType.AUTH:
                fail("AUTH is not supported by the bench client");
                break;
            default:
                fail("unexpected packet type " + type + " from the server");
        }
    }

    private void decodePublish(int first, ByteBuf in, int body, int length) {
        int qos = (first >>> 1) & 0x03;
        if (qos == 3) {
            fail("PUBLISH with QoS 3");
            return;
        }
        int end = body + length;
        if (length < 2) {
            fail("short PUBLISH");
            return;
        }
        int topicLength = in.getUnsignedShort(body);
        int pos = body + 2 + topicLength;
        int packetId = 0;
        if (qos > 0) {
            if (pos + 2 > end) {
                fail("short PUBLISH");
                return;
            }
            packetId = in.getUnsignedShort(pos);
            pos += 2;
        }
        if (v5) {
            long properties = varInt(in, pos, end);
            if (properties < 0) {
                fail("short PUBLISH properties");
                return;
            }
            pos = (int) properties + (int) (properties >>> 32);
        }
        if (pos > end) {
            fail("short PUBLISH");
            return;
        }
        listener.onPublish(qos, (first & 0x08) != 0, (first & 0x01) != 0, packetId,
                in.slice(body + 2, topicLength), in.slice(pos, end - pos));
    }

    /** Reads the Receive Maximum property of an MQTT 5 CONNACK (65535 when absent; -1 after a protocol error). */
    private int connAckReceiveMaximum(ByteBuf in, int start, int end) {
        long properties = varInt(in, start, end);
        if (properties < 0) {
            fail("short CONNACK properties");
            return -1;
        }
        int pos = (int) properties;
        int stop = Math.min(end, pos + (int) (properties >>> 32));
        int receiveMaximum = 65535;
        while (pos < stop) {
            int id = in.getUnsignedByte(pos++);
            int size = propertySize(id, in, pos, stop);
            if (size < 0 || pos + size > stop) {
                fail("bad CONNACK property 0x" + Integer.toHexString(id));
                return -1;
            }
            if (id == 0x21 && size == 2) {
                receiveMaximum = in.getUnsignedShort(pos);
            }
            pos += size;
        }
        return receiveMaximum == 0 ? 65535 : receiveMaximum;
    }

    /**
     * Reads the variable byte integer (a property block's length) at {@code pos}: its value in the high 32 bits and
     * the position after it in the low 32 bits, or -1 when it does not end within 4 bytes before {@code end}. No
     * allocation: it is on the PUBLISH path.
     */
    static long varInt(ByteBuf in, int pos, int end) {
        int value = 0;
        for (int shift = 0; shift < 28 && pos < end; shift += 7) {
            int b = in.getUnsignedByte(pos++);
            value |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return ((long) value << 32) | pos;
            }
        }
        return -1;
    }

    /** The size of an MQTT 5 property value that starts at {@code pos}, by property identifier; -1 if unknown. */
    static int propertySize(int id, ByteBuf in, int pos, int end) {
        switch (id) {
            case 0x01: case 0x17: case 0x19: case 0x24: case 0x25: case 0x28: case 0x29: case 0x2A:
                return 1;
            case 0x13: case 0x21: case 0x22: case 0x23:
                return 2;
            case 0x02: case 0x11: case 0x18: case 0x27:
                return 4;
            case 0x0B: {
                int n = 0;
                while (pos + n < end && n < 4) {
                    if ((in.getUnsignedByte(pos + n++) & 0x80) == 0) {
                        return n;
                    }
                }
                return -1;
            }
            case 0x03: case 0x08: case 0x09: case 0x12: case 0x15: case 0x16: case 0x1A: case 0x1C: case 0x1F:
                return pos + 2 <= end ? 2 + in.getUnsignedShort(pos) : -1;
            case 0x26: {
                if (pos + 2 > end) {
                    return -1;
                }
                int k = in.getUnsignedShort(pos);
                if (pos + 4 + k > end) {
                    return -1;
                }
                return 4 + k + in.getUnsignedShort(pos + 2 + k);
            }
            default:
                return -1;
        }
    }

    private void decodeSubAck(ByteBuf in, int body, int length) {
        if (length < 3) {
            fail("short SUBACK");
            return;
        }
        int packetId = in.getUnsignedShort(body);
        int pos = body + 2;
        int end = body + length;
        if (v5) {
            long properties = varInt(in, pos, end);
            if (properties < 0) {
                fail("short SUBACK properties");
                return;
            }
            pos = (int) properties + (int) (properties >>> 32);
        }
        if (pos > end) {
            fail("short SUBACK");
            return;
        }
        listener.onSubAck(packetId, in.slice(pos, end - pos));
    }

    private void fail(String message) {
        failed = true;
        listener.onProtocolError(message);
    }
}
