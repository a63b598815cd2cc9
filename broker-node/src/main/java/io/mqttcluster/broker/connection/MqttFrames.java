package io.mqttcluster.broker.connection;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;

import java.util.List;

/**
 * Hands Netty's MQTT decoder whole packets only, and refuses at the fixed header what a client never sends.
 *
 * <p>Why: Netty's MqttDecoder is a replaying decoder: given part of a packet, it decodes from the packet's start
 * again on every read, and some of its steps allocate by a length the peer announced before the bytes are there (a
 * SUBACK or UNSUBACK body: a list sized by the remaining length, 4 bytes per announced byte; binary data: an array
 * sized by its 2-byte length). A client trickling a packet one byte per read made the node allocate that much per
 * read, up to 4 x mqtt.max-packet-size each time (found by MqttDecoderFuzzTest). Whole packets decode once.
 *
 * <p>What it checks, byte for byte like the decoder: the remaining length is at most 4 bytes [MQTT-2.2.3] and at most
 * mqtt.max-packet-size (refused as soon as it is read, not after the body); the packet type is one a client may send
 * (not 0, CONNACK, SUBACK, UNSUBACK, PINGRESP). It holds at most one packet, as the decoder would; it copies nothing
 * for packets that arrive whole.
 *
 * <p>Thread: the connection's event loop.
 */
final class MqttFrames extends ByteToMessageDecoder {

    /** Packet types a client never sends: reserved, CONNACK, SUBACK, UNSUBACK, PINGRESP. */
    private static final int SERVER_ONLY = 1 | 1 << 2 | 1 << 9 | 1 << 11 | 1 << 13;

    private final int maxPacketSize;
    private boolean failed;

    MqttFrames(int maxPacketSize) {
        this.maxPacketSize = maxPacketSize;
    }

    /** One packet per call (ByteToMessageDecoder calls again while bytes remain and the connection is open). */
    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed || !ctx.channel().isOpen()) {
            in.skipBytes(in.readableBytes()); // a closed connection reads nothing more
            return;
        }
        int start = in.readerIndex();
        int type = in.getUnsignedByte(start) >> 4;
        if ((SERVER_ONLY & 1 << type) != 0) {
            throw fail(in, new DecoderException("packet type " + type + " is not sent by clients"));
        }
        int remaining = 0;
        int at = start + 1;
        int b;
        do {
            if (at >= in.writerIndex()) {
                return; // the rest of the fixed header comes later
            }
            if (at - start > 4) {
                throw fail(in, new DecoderException("remaining length exceeds 4 digits"));
            }
            b = in.getUnsignedByte(at);
            remaining |= (b & 0x7F) << (7 * (at - start - 1));
            at++;
        } while ((b & 0x80) != 0);
        if (remaining > maxPacketSize) {
            throw fail(in, new TooLongFrameException("message length exceeds " + maxPacketSize + ": " + remaining));
        }
        int length = at - start + remaining;
        if (in.readableBytes() >= length) {
            out.add(in.readRetainedSlice(length));
        }
    }

    private DecoderException fail(ByteBuf in, DecoderException e) {
        failed = true;
        in.skipBytes(in.readableBytes());
        return e;
    }
}
