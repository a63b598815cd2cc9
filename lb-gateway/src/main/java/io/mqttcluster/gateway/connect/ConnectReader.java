package io.mqttcluster.gateway.connect;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads the first packet of an MQTT connection, which must be a CONNECT, from bytes that arrive in
 * any split (one byte at a time is fine), and keeps every byte it was given so that the caller can
 * forward them unchanged. No sockets: feed it bytes, read its status.
 *
 * <p>Owned by one thread (the connection's event loop); not thread-safe.
 *
 * <p>How it works: it appends each chunk to an internal array that grows with the bytes that
 * actually arrived (never with the length a packet announces). After each chunk it looks at the
 * fixed header: the first byte must be 0x10 (CONNECT, flags 0 [MQTT-2.2.2-2]); the "remaining
 * length" is a variable byte integer of at most 4 bytes [MQTT-2.2.3]. As soon as the announced
 * packet length is known and exceeds the size cap the status is {@link Status#OVERSIZE}, before the
 * bytes arrive. Once the whole packet is there its variable header and payload are parsed once:
 * protocol name and level ("MQIsdp"/3, "MQTT"/4, "MQTT"/5), connect flags, keepalive, the MQTT 5
 * property block (skipped by its length), the client id, the will (MQTT 5 will properties
 * skipped, will topic, will payload), user name and password (skipped, only their presence is
 * kept). The fields must fill the remaining length exactly.
 *
 * <p>Bytes that follow the CONNECT in the same chunk are kept too: {@link #received()} returns
 * everything fed so far.
 */
public final class ConnectReader {

    /** Where the reader stands. */
    public enum Status {
        /** Not a whole CONNECT yet: feed more bytes. */
        NEED_MORE,
        /** A valid CONNECT was read: see {@link #connect()}. */
        COMPLETE,
        /** The first packet is not a valid CONNECT: see {@link #failure()}. */
        INVALID,
        /** The CONNECT announces (or reaches) more bytes than the cap. */
        OVERSIZE
    }

    /** Smallest CONNECT remaining length: "MQTT" name (6) + level + flags + keepalive (2) + id (2). */
    private static final int MIN_REMAINING_LENGTH = 12;

    private final int maxPacketSize;
    private byte[] buf;
    private int size;
    private Status status = Status.NEED_MORE;
    private int packetLength = -1;
    private int headerLength;
    private ConnectInfo connect;
    private String failure;

    /**
     * @param maxPacketSize the largest CONNECT accepted, fixed header included (bytes, at least 2)
     */
    public ConnectReader(int maxPacketSize) {
        if (maxPacketSize < 2) {
            throw new IllegalArgumentException("maxPacketSize must be at least 2: " + maxPacketSize);
        }
        this.maxPacketSize = maxPacketSize;
        this.buf = new byte[Math.min(256, maxPacketSize)];
    }

    /** Feeds all of {@code chunk}. */
    public Status feed(byte[] chunk) {
        return feed(chunk, 0, chunk.length);
    }

    /**
     * Feeds {@code chunk[offset, offset + length)}. Once the status is not {@link Status#NEED_MORE}
     * further bytes are ignored and the status stays.
     */
    public Status feed(byte[] chunk, int offset, int length) {
        if (status != Status.NEED_MORE || length == 0) {
            return status;
        }
        append(chunk, offset, length);
        if (packetLength < 0) {
            readFixedHeader();
            if (status != Status.NEED_MORE || packetLength < 0) {
                return status;
            }
        }
        if (size >= packetLength) {
            parseBody();
        }
        return status;
    }

    public Status status() {
        return status;
    }

    /** The CONNECT, once the status is {@link Status#COMPLETE}; else null. */
    public ConnectInfo connect() {
        return connect;
    }

    /** Why the packet was refused, once the status is INVALID or OVERSIZE; else null. */
    public String failure() {
        return failure;
    }

    /** The packet length announced by the fixed header, or -1 while unknown. */
    public int packetLength() {
        return packetLength;
    }

    /** Number of bytes fed so far. */
    public int receivedLength() {
        return size;
    }

    /** A copy of every byte fed so far: the CONNECT and whatever followed it. */
    public byte[] received() {
        return Arrays.copyOf(buf, size);
    }

    private void append(byte[] chunk, int offset, int length) {
        int needed = size + length;
        if (needed > buf.length) {
            int grown = Math.max(needed, (int) Math.min(Integer.MAX_VALUE - 8, buf.length * 2L));
            buf = Arrays.copyOf(buf, grown);
        }
        System.arraycopy(chunk, offset, buf, size, length);
        size = needed;
    }

    private void readFixedHeader() {
        int first = buf[0] & 0xFF;
        if (first >> 4 != 1) {
            fail(Status.INVALID, "first packet is not CONNECT: packet type " + (first >> 4));
            return;
        }
        if ((first & 0x0F) != 0) {
            fail(Status.INVALID, "CONNECT fixed header flags not 0"); // [MQTT-2.2.2-2]
            return;
        }
        VariableByteInteger remaining = new VariableByteInteger();
        for (int at = 1; at < size; at++) {
            switch (remaining.next(buf[at])) {
                case MORE -> {
                }
                case MALFORMED -> {
                    fail(Status.INVALID, "remaining length over 4 bytes"); // [MQTT-2.2.3]
                    return;
                }
                case DONE -> {
                    int value = remaining.value();
                    headerLength = at + 1;
                    long total = (long) headerLength + value;
                    if (total > maxPacketSize) {
                        fail(Status.OVERSIZE, "CONNECT of " + total + " bytes over the cap of " + maxPacketSize);
                        return;
                    }
                    if (value < MIN_REMAINING_LENGTH) {
                        fail(Status.INVALID, "CONNECT remaining length " + value + " too small");
                        return;
                    }
                    packetLength = (int) total;
                    return;
                }
            }
        }
        // need more
    }

    private void parseBody() {
        Cursor c = new Cursor(buf, headerLength, packetLength);
        try {
            int nameLength = c.u16();
            String name = c.ascii(nameLength);
            int levelByte = c.u8();
            int level = levelByte & 0x7F;
            boolean bridge = (levelByte & 0x80) != 0;
            boolean known = ("MQTT".equals(name) && (level == 4 || level == 5))
                    || ("MQIsdp".equals(name) && level == 3);
            if (!known) {
                fail(Status.INVALID, "unsupported protocol name/level " + printable(name) + "/" + levelByte);
                return;
            }
            int flags = c.u8();
            if ((flags & 0x01) != 0) {
                fail(Status.INVALID, "CONNECT reserved flag set"); // [MQTT-3.1.2-3]
                return;
            }
            boolean willFlag = (flags & 0x04) != 0;
            int willQos = (flags >> 3) & 0x03;
            boolean willRetain = (flags & 0x20) != 0;
            boolean passwordFlag = (flags & 0x40) != 0;
            boolean usernameFlag = (flags & 0x80) != 0;
            if (willQos == 3) {
                fail(Status.INVALID, "will QoS 3"); // [MQTT-3.1.2-14]
                return;
            }
            if (!willFlag && (willQos != 0 || willRetain)) {
                fail(Status.INVALID, "will QoS or retain set without will flag"); // [MQTT-3.1.2-13], [MQTT-3.1.2-15]
                return;
            }
            int keepAlive = c.u16();
            if (level == 5) {
                c.skip(c.varInt()); // CONNECT properties
            }
            String clientId = c.utf8(c.u16());
            if (willFlag) {
                if (level == 5) {
                    c.skip(c.varInt()); // will properties
                }
                c.skip(c.u16()); // will topic
                c.skip(c.u16()); // will payload
            }
            if (usernameFlag) {
                c.skip(c.u16());
            }
            if (passwordFlag) {
                c.skip(c.u16());
            }
            if (c.remaining() != 0) {
                fail(Status.INVALID, c.remaining() + " bytes left over after the CONNECT payload");
                return;
            }
            connect = new ConnectInfo(name, level, bridge, clientId, (flags & 0x02) != 0, keepAlive,
                    willFlag, usernameFlag, passwordFlag, packetLength);
            status = Status.COMPLETE;
        } catch (Malformed e) {
            fail(Status.INVALID, e.getMessage());
        }
    }

    private void fail(Status s, String why) {
        status = s;
        failure = why;
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), 16) + 2).append('"');
        for (int i = 0; i < s.length() && i < 16; i++) {
            char ch = s.charAt(i);
            b.append(ch >= 0x20 && ch < 0x7F && ch != '"' ? ch : '?');
        }
        return b.append('"').toString();
    }

    /** A bounds-checked reader over {@code buf[from, to)}. */
    private static final class Cursor {
        private final byte[] b;
        private final int end;
        private int p;

        Cursor(byte[] b, int from, int to) {
            this.b = b;
            this.p = from;
            this.end = to;
        }

        int remaining() {
            return end - p;
        }

        int u8() throws Malformed {
            need(1);
            return b[p++] & 0xFF;
        }

        int u16() throws Malformed {
            need(2);
            int v = (b[p] & 0xFF) << 8 | (b[p + 1] & 0xFF);
            p += 2;
            return v;
        }

        /** A variable byte integer of at most 4 bytes (MQTT 5 property lengths). */
        int varInt() throws Malformed {
            VariableByteInteger v = new VariableByteInteger();
            while (true) {
                switch (v.next(u8())) {
                    case MORE -> {
                    }
                    case DONE -> {
                        return v.value();
                    }
                    case MALFORMED -> throw new Malformed("variable byte integer over 4 bytes");
                }
            }
        }

        void skip(int n) throws Malformed {
            need(n);
            p += n;
        }

        String ascii(int n) throws Malformed {
            need(n);
            String s = new String(b, p, n, StandardCharsets.ISO_8859_1);
            p += n;
            return s;
        }

        /** A well-formed UTF-8 string without U+0000 [MQTT-1.5.3-1], [MQTT-1.5.3-2]. */
        String utf8(int n) throws Malformed {
            need(n);
            CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT);
            CharBuffer chars;
            try {
                chars = decoder.decode(ByteBuffer.wrap(b, p, n));
            } catch (CharacterCodingException e) {
                throw new Malformed("client id is not well-formed UTF-8");
            }
            for (int i = 0; i < chars.length(); i++) {
                if (chars.charAt(i) == 0) {
                    throw new Malformed("client id contains U+0000");
                }
            }
            p += n;
            return chars.toString();
        }

        private void need(int n) throws Malformed {
            if (n < 0 || n > end - p) {
                throw new Malformed("field of " + n + " bytes runs past the end of the CONNECT");
            }
        }
    }

    /** A structural error inside the CONNECT; never escapes this class. */
    private static final class Malformed extends Exception {
        Malformed(String message) {
            super(message, null, false, false);
        }
    }
}
