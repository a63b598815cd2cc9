package io.mqttcluster.cluster.forward;

import io.vertx.core.buffer.Buffer;

import java.io.DataInput;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** {@link DataInput} reading a Vert.x {@link Buffer} from a position up to its end (or a given end). */
public final class BufferDataInput implements DataInput {

    private final Buffer buffer;
    private final int end;
    private int pos;

    public BufferDataInput(Buffer buffer, int start) {
        this(buffer, start, buffer.length());
    }

    /** Reads {@code buffer} from {@code start} (inclusive) to {@code end} (exclusive), without copying. */
    public BufferDataInput(Buffer buffer, int start, int end) {
        if (start < 0 || end < start || end > buffer.length()) {
            throw new IndexOutOfBoundsException("start=" + start + " end=" + end + " length=" + buffer.length());
        }
        this.buffer = buffer;
        this.pos = start;
        this.end = end;
    }

    public int position() {
        return pos;
    }

    /** Bytes left to read. */
    public int remaining() {
        return end - pos;
    }

    public boolean hasMore() {
        return pos < end;
    }

    private void need(int n) throws EOFException {
        if (n < 0 || pos + n > end) {
            throw new EOFException("frame ends early");
        }
    }

    @Override
    public void readFully(byte[] b) throws IOException {
        readFully(b, 0, b.length);
    }

    @Override
    public void readFully(byte[] b, int off, int len) throws IOException {
        need(len);
        buffer.getBytes(pos, pos + len, b, off);
        pos += len;
    }

    @Override
    public int skipBytes(int n) throws IOException {
        need(n);
        pos += n;
        return n;
    }

    @Override
    public boolean readBoolean() throws IOException {
        return readByte() != 0;
    }

    @Override
    public byte readByte() throws IOException {
        need(1);
        return buffer.getByte(pos++);
    }

    @Override
    public int readUnsignedByte() throws IOException {
        return readByte() & 0xFF;
    }

    @Override
    public short readShort() throws IOException {
        need(2);
        short v = buffer.getShort(pos);
        pos += 2;
        return v;
    }

    @Override
    public int readUnsignedShort() throws IOException {
        return readShort() & 0xFFFF;
    }

    @Override
    public char readChar() throws IOException {
        return (char) readShort();
    }

    @Override
    public int readInt() throws IOException {
        need(4);
        int v = buffer.getInt(pos);
        pos += 4;
        return v;
    }

    @Override
    public long readLong() throws IOException {
        need(8);
        long v = buffer.getLong(pos);
        pos += 8;
        return v;
    }

    @Override
    public float readFloat() throws IOException {
        return Float.intBitsToFloat(readInt());
    }

    @Override
    public double readDouble() throws IOException {
        return Double.longBitsToDouble(readLong());
    }

    @Override
    public String readLine() {
        throw new UnsupportedOperationException();
    }

    @Override
    public String readUTF() throws IOException {
        int len = readUnsignedShort();
        byte[] b = new byte[len];
        readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }
}
