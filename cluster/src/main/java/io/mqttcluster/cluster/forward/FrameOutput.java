package io.mqttcluster.cluster.forward;

import java.io.DataOutput;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A one-way message written straight into the DATA frame that carries it ({@link ClusterBus#send(String,
 * FrameOutput)}): one growing array with room for the frame's header in front, so a message is encoded
 * once and queued on the link without copying it into a buffer first and into a frame after. The big-endian
 * layout of {@link DataOutput}, as {@link BufferDataInput} reads it. Not thread-safe; written by one caller,
 * then sent once.
 */
public final class FrameOutput implements DataOutput {

    private final int kind;
    private byte[] buf;
    private int pos = BusFrames.DATA_HEADER;

    /** A frame of message kind {@code kind}; {@code expectedSize}: about how many payload bytes follow. */
    public FrameOutput(int kind, int expectedSize) {
        this.kind = kind;
        this.buf = new byte[BusFrames.DATA_HEADER + Math.max(16, expectedSize)];
    }

    /** Bytes written so far (the payload, without the header). */
    public int size() {
        return pos - BusFrames.DATA_HEADER;
    }

    /** The finished DATA frame, sequence 0 (numbered when queued); the array this wrote into when it is full. */
    byte[] frame() {
        int n = size();
        if (n > BusFrames.MAX_FRAME - BusFrames.DATA_HEADER) {
            throw new IllegalArgumentException("payload of " + n + " bytes is above the frame limit");
        }
        byte[] f = pos == buf.length ? buf : Arrays.copyOf(buf, pos);
        BusFrames.dataHeader(f, kind);
        return f;
    }

    private void ensure(int more) {
        if (pos + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(pos + more, buf.length * 2));
        }
    }

    @Override
    public void write(int b) {
        ensure(1);
        buf[pos++] = (byte) b;
    }

    @Override
    public void write(byte[] b) {
        write(b, 0, b.length);
    }

    @Override
    public void write(byte[] b, int off, int len) {
        ensure(len);
        System.arraycopy(b, off, buf, pos, len);
        pos += len;
    }

    @Override
    public void writeBoolean(boolean v) {
        write(v ? 1 : 0);
    }

    @Override
    public void writeByte(int v) {
        write(v);
    }

    @Override
    public void writeShort(int v) {
        ensure(2);
        buf[pos++] = (byte) (v >>> 8);
        buf[pos++] = (byte) v;
    }

    @Override
    public void writeChar(int v) {
        writeShort(v);
    }

    @Override
    public void writeInt(int v) {
        ensure(4);
        buf[pos++] = (byte) (v >>> 24);
        buf[pos++] = (byte) (v >>> 16);
        buf[pos++] = (byte) (v >>> 8);
        buf[pos++] = (byte) v;
    }

    @Override
    public void writeLong(long v) {
        writeInt((int) (v >>> 32));
        writeInt((int) v);
    }

    @Override
    public void writeFloat(float v) {
        writeInt(Float.floatToIntBits(v));
    }

    @Override
    public void writeDouble(double v) {
        writeLong(Double.doubleToLongBits(v));
    }

    @Override
    public void writeBytes(String s) {
        ensure(s.length());
        for (int i = 0; i < s.length(); i++) {
            buf[pos++] = (byte) s.charAt(i);
        }
    }

    @Override
    public void writeChars(String s) {
        for (int i = 0; i < s.length(); i++) {
            writeShort(s.charAt(i));
        }
    }

    @Override
    public void writeUTF(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        writeShort(b.length);
        write(b);
    }
}
