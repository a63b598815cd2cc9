package io.mqttcluster.cluster.forward;

import io.vertx.core.buffer.Buffer;

import java.io.DataOutput;
import java.nio.charset.StandardCharsets;

/** {@link DataOutput} appending to a Vert.x {@link Buffer}, so stored formats are reused on the wire. */
public final class BufferDataOutput implements DataOutput {

    private final Buffer buffer;

    public BufferDataOutput(Buffer buffer) {
        this.buffer = buffer;
    }

    public Buffer buffer() {
        return buffer;
    }

    @Override
    public void write(int b) {
        buffer.appendByte((byte) b);
    }

    @Override
    public void write(byte[] b) {
        buffer.appendBytes(b);
    }

    @Override
    public void write(byte[] b, int off, int len) {
        buffer.appendBytes(b, off, len);
    }

    @Override
    public void writeBoolean(boolean v) {
        buffer.appendByte((byte) (v ? 1 : 0));
    }

    @Override
    public void writeByte(int v) {
        buffer.appendByte((byte) v);
    }

    @Override
    public void writeShort(int v) {
        buffer.appendShort((short) v);
    }

    @Override
    public void writeChar(int v) {
        buffer.appendShort((short) v);
    }

    @Override
    public void writeInt(int v) {
        buffer.appendInt(v);
    }

    @Override
    public void writeLong(long v) {
        buffer.appendLong(v);
    }

    @Override
    public void writeFloat(float v) {
        buffer.appendFloat(v);
    }

    @Override
    public void writeDouble(double v) {
        buffer.appendDouble(v);
    }

    @Override
    public void writeBytes(String s) {
        for (int i = 0; i < s.length(); i++) {
            buffer.appendByte((byte) s.charAt(i));
        }
    }

    @Override
    public void writeChars(String s) {
        for (int i = 0; i < s.length(); i++) {
            buffer.appendShort((short) s.charAt(i));
        }
    }

    @Override
    public void writeUTF(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        buffer.appendShort((short) b.length).appendBytes(b);
    }
}
