package io.mqttcluster.bench.measure;

import io.netty.buffer.ByteBuf;

/**
 * The header every bench payload starts with (24 bytes, big-endian), followed by zero padding up to the payload size:
 * <pre>
 *   0  2  magic 0xBE 0x4C
 *   2  2  header version (1)
 *   4  4  publisher index
 *   8  8  sequence number of this message within its publisher (0, 1, 2, ...)
 *  16  8  send time, {@link Clock#now()} nanoseconds
 * </pre>
 */
public final class Payload {
    public static final int HEADER_SIZE = 24;
    private static final int MAGIC_AND_VERSION = 0xBE4C_0001;

    private Payload() {
    }

    /** Writes a header and pads with zeros to {@code size} bytes (at least {@link #HEADER_SIZE}). */
    public static void write(ByteBuf buf, int publisher, long seq, long sentNanos, int size) {
        buf.writeInt(MAGIC_AND_VERSION);
        buf.writeInt(publisher);
        buf.writeLong(seq);
        buf.writeLong(sentNanos);
        if (size > HEADER_SIZE) {
            buf.writeZero(size - HEADER_SIZE);
        }
    }

    /** True when {@code payload} starts with a bench header. */
    public static boolean isBench(ByteBuf payload) {
        return payload.readableBytes() >= HEADER_SIZE && payload.getInt(payload.readerIndex()) == MAGIC_AND_VERSION;
    }

    public static int publisher(ByteBuf payload) {
        return payload.getInt(payload.readerIndex() + 4);
    }

    public static long sequence(ByteBuf payload) {
        return payload.getLong(payload.readerIndex() + 8);
    }

    public static long sentNanos(ByteBuf payload) {
        return payload.getLong(payload.readerIndex() + 16);
    }
}
