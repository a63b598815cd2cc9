package io.mqttcluster.cluster.forward;

import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;

/**
 * The frames of the {@link ClusterBus} link, their layout and encoding, in one place. Every frame is
 * {@code int length} (of what follows), {@code byte type}, then:
 *
 * <pre>
 * CHALLENGE (9) nonce(32)
 *             only with a cluster secret ({@link PeerAuth}): first on every connection, receiver to sender, at once
 *             when the connection is accepted; the sender answers with its HELLO
 * HELLO   (5) byte version(1), utf from, utf to, long stream, long firstSeq, short macLength, mac
 *             first on every connection, sender to receiver: who sends (node id, new at every process
 *             start), to whom (a HELLO meant for another node is refused: a restarted node on the same
 *             address), which stream of that sender (a new, higher id each time the sender adds the peer) and
 *             the lowest sequence the sender still holds (everything below was acknowledged)
 *             (with a cluster secret, mac is the sender's nonce and its MAC over the CHALLENGE; empty without)
 * RESUME  (6) long last, short macLength, mac
 *             the receiver's answer to HELLO: the last sequence of that stream it processed (with a cluster
 *             secret, mac is the receiver's MAC over both nonces and last; empty without)
 * DATA    (7) long seq, byte kind, payload          a one-way message, sequence 1, 2, 3 ... per stream
 * ACK     (8) long last                             receiver to sender: processed everything up to last
 * REQUEST (3) long id, byte kind, payload           best effort, outside the sequence
 * REPLY   (4) long id, byte status (0 ok), payload
 * </pre>
 *
 * Types 1 and 2 (HELLO and ONEWAY of the unsequenced protocol) are retired: a node sending them is
 * disconnected. Utf strings are {@code unsigned short length, UTF-8 bytes}.
 *
 * <p>Sizes: until the handshake is done (RESUME sent or checked) no frame may be above {@link
 * #HANDSHAKE_MAX_FRAME}, so a connection that has proven nothing makes the node hold at most a few KB for it;
 * after it, {@link ClusterBusOptions#maxFrameBytes}. A frame above the limit closes the connection before any
 * of it is buffered.
 */
final class BusFrames {

    static final byte REQUEST = 3;
    static final byte REPLY = 4;
    static final byte HELLO = 5;
    static final byte RESUME = 6;
    static final byte DATA = 7;
    static final byte ACK = 8;
    static final byte CHALLENGE = 9;

    static final byte VERSION = 1;
    /** Largest frame before the handshake is done: a HELLO with two node ids (UUIDs) and a 64-byte field is about 170 bytes. */
    static final int HANDSHAKE_MAX_FRAME = 4096;
    /** Ceiling of {@link ClusterBusOptions#maxFrameBytes}. */
    static final int MAX_FRAME = 1 << 30;
    /** Bytes of a DATA frame before its payload: length, type, seq, kind. */
    static final int DATA_HEADER = 4 + 1 + 8 + 1;
    private static final int SEQ_OFFSET = 5;

    private BusFrames() {
    }

    record Hello(int version, String from, String to, long stream, long firstSeq, byte[] mac) {
    }

    /** A DATA frame with sequence 0, to be numbered with {@link #setSeq} once its place is known. */
    static byte[] data(int kind, Buffer payload) {
        int n = payload.length();
        if (n > MAX_FRAME - DATA_HEADER) {
            throw new IllegalArgumentException("payload of " + n + " bytes is above the frame limit");
        }
        byte[] f = new byte[DATA_HEADER + n];
        payload.getBytes(0, n, f, DATA_HEADER);
        dataHeader(f, kind);
        return f;
    }

    /** Writes the header of the DATA frame {@code f} (its payload after {@link #DATA_HEADER}), sequence 0. */
    static void dataHeader(byte[] f, int kind) {
        putInt(f, 0, f.length - 4);
        f[4] = DATA;
        f[13] = (byte) kind;
    }

    static void setSeq(byte[] frame, long seq) {
        for (int i = 7; i >= 0; i--) {
            frame[SEQ_OFFSET + i] = (byte) seq;
            seq >>>= 8;
        }
    }

    static long seqOf(byte[] frame) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (frame[SEQ_OFFSET + i] & 0xFF);
        }
        return v;
    }

    static boolean isData(byte[] frame) {
        return frame[4] == DATA;
    }

    static byte[] request(long id, int kind, Buffer payload) {
        Buffer b = Buffer.buffer(payload.length() + 14);
        b.appendInt(payload.length() + 10).appendByte(REQUEST).appendLong(id).appendByte((byte) kind).appendBuffer(payload);
        return b.getBytes();
    }

    static Buffer reply(long id, boolean ok, Buffer body) {
        Buffer b = Buffer.buffer(body.length() + 14);
        return b.appendInt(body.length() + 10).appendByte(REPLY).appendLong(id).appendByte((byte) (ok ? 0 : 1)).appendBuffer(body);
    }

    static Buffer ack(long last) {
        return Buffer.buffer(13).appendInt(9).appendByte(ACK).appendLong(last);
    }

    static Buffer hello(Hello h) {
        byte[] from = h.from().getBytes(StandardCharsets.UTF_8);
        byte[] to = h.to().getBytes(StandardCharsets.UTF_8);
        int len = 1 + 1 + 2 + from.length + 2 + to.length + 8 + 8 + 2 + h.mac().length;
        return Buffer.buffer(4 + len).appendInt(len).appendByte(HELLO).appendByte((byte) h.version())
                .appendUnsignedShort(from.length).appendBytes(from)
                .appendUnsignedShort(to.length).appendBytes(to)
                .appendLong(h.stream()).appendLong(h.firstSeq())
                .appendUnsignedShort(h.mac().length).appendBytes(h.mac());
    }

    /** Reads a HELLO frame ({@code start} at its type byte). Throws on a malformed frame. */
    static Hello readHello(Buffer b, int start, int end) {
        int p = start + 1;
        int version = b.getByte(p++);
        int n = b.getUnsignedShort(p);
        String from = b.getString(p + 2, p + 2 + n, StandardCharsets.UTF_8.name());
        p += 2 + n;
        n = b.getUnsignedShort(p);
        String to = b.getString(p + 2, p + 2 + n, StandardCharsets.UTF_8.name());
        p += 2 + n;
        long stream = b.getLong(p);
        long firstSeq = b.getLong(p + 8);
        p += 16;
        n = b.getUnsignedShort(p);
        byte[] mac = b.getBytes(p + 2, p + 2 + n);
        if (p + 2 + n != end) {
            throw new IllegalArgumentException("HELLO of unexpected length");
        }
        return new Hello(version, from, to, stream, firstSeq, mac);
    }

    static Buffer challenge(byte[] nonce) {
        return Buffer.buffer(5 + nonce.length).appendInt(1 + nonce.length).appendByte(CHALLENGE).appendBytes(nonce);
    }

    static Buffer resume(long last, byte[] mac) {
        int len = 1 + 8 + 2 + mac.length;
        return Buffer.buffer(4 + len).appendInt(len).appendByte(RESUME).appendLong(last)
                .appendUnsignedShort(mac.length).appendBytes(mac);
    }

    private static void putInt(byte[] f, int at, int v) {
        f[at] = (byte) (v >>> 24);
        f[at + 1] = (byte) (v >>> 16);
        f[at + 2] = (byte) (v >>> 8);
        f[at + 3] = (byte) v;
    }
}
