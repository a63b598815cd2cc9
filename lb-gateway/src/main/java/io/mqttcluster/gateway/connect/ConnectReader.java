package io.mqttcluster.gateway.connect;

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
 * CONNECT properties (each one read by its type, see {@link Mqtt5Properties}: the Authentication Method and the
 * Maximum Packet Size are kept), the client id, the will (MQTT 5 will properties checked and stepped over, will
 * topic, will payload), user name and password (skipped, only their presence is kept). The fields must fill the
 * remaining length exactly. A refused CONNECT says why ({@link #failure()}) and, once its protocol level is known,
 * with which MQTT 5 reason code ({@link #reasonCode()}).
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
    private int reasonCode;
    private int protocolLevel = -1;

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

    /**
     * The protocol level (3, 4 or 5) once the CONNECT's variable header was read, also when the CONNECT is then
     * refused; for a CONNECT refused as too large, the level when the bytes that arrived reach it; else -1. A
     * refused client whose level is 5 may be told why with a CONNACK [MQTT 5.0 section 3.1.4].
     */
    public int protocolLevel() {
        return protocolLevel;
    }

    /**
     * The MQTT 5.0 CONNACK reason code that names why the CONNECT was refused ({@link ReasonCodes#MALFORMED_PACKET},
     * {@link ReasonCodes#PROTOCOL_ERROR} or {@link ReasonCodes#PACKET_TOO_LARGE}); 0 when it was not refused, or
     * refused before its protocol level was known (not a CONNECT, an unknown protocol).
     */
    public int reasonCode() {
        return reasonCode;
    }

    /** The packet length announced by the fixed header, or -1 while unknown. */
    public int packetLength() {
        return packetLength;
    }

    /** Number of bytes fed so far. */
    public int receivedLength() {
        return size;
    }

    /** The size of the buffer holding what was fed (it grows with the bytes that arrive): for tests of the bound. */
    int bufferCapacity() {
        return buf.length;
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
            fail(Status.INVALID, "first packet is not CONNECT: packet type " + (first >> 4), 0);
            return;
        }
        if ((first & 0x0F) != 0) {
            fail(Status.INVALID, "CONNECT fixed header flags not 0", 0); // [MQTT-2.2.2-2]
            return;
        }
        VariableByteInteger remaining = new VariableByteInteger();
        for (int at = 1; at < size; at++) {
            switch (remaining.next(buf[at])) {
                case MORE -> {
                }
                case MALFORMED -> {
                    fail(Status.INVALID, "remaining length over 4 bytes", 0); // [MQTT-2.2.3]
                    return;
                }
                case DONE -> {
                    int value = remaining.value();
                    headerLength = at + 1;
                    long total = (long) headerLength + value;
                    if (total > maxPacketSize) {
                        protocolLevel = peekLevel();
                        fail(Status.OVERSIZE, "CONNECT of " + total + " bytes over the cap of " + maxPacketSize,
                                protocolLevel < 0 ? 0 : ReasonCodes.PACKET_TOO_LARGE);
                        return;
                    }
                    if (value < MIN_REMAINING_LENGTH) {
                        fail(Status.INVALID, "CONNECT remaining length " + value + " too small", 0);
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
                fail(Status.INVALID, "unsupported protocol name/level " + printable(name) + "/" + levelByte, 0);
                return;
            }
            protocolLevel = level;
            int flags = c.u8();
            if ((flags & 0x01) != 0) {
                throw BadConnect.malformed("CONNECT reserved flag set"); // [MQTT-3.1.2-3]
            }
            boolean willFlag = (flags & 0x04) != 0;
            int willQos = (flags >> 3) & 0x03;
            boolean willRetain = (flags & 0x20) != 0;
            boolean passwordFlag = (flags & 0x40) != 0;
            boolean usernameFlag = (flags & 0x80) != 0;
            if (willQos == 3) {
                throw BadConnect.malformed("will QoS 3"); // [MQTT-3.1.2-14]; 5.0: a Malformed Packet [3.1.2.6]
            }
            if (!willFlag && (willQos != 0 || willRetain)) {
                // [MQTT-3.1.2-13], [MQTT-3.1.2-15]; 5.0: [MQTT-3.1.2-11], [MQTT-3.1.2-13]
                throw BadConnect.malformed("will QoS or retain set without will flag");
            }
            int keepAlive = c.u16();
            Mqtt5Properties.ConnectProperties properties = level == 5
                    ? Mqtt5Properties.readConnect(c) : Mqtt5Properties.ConnectProperties.NONE;
            String clientId = c.utf8("client id");
            if (willFlag) {
                if (level == 5) {
                    Mqtt5Properties.skipWill(c);
                }
                c.skipPrefixed("will topic");
                c.skipPrefixed("will payload");
            }
            if (usernameFlag) {
                c.skipPrefixed("user name");
            }
            if (passwordFlag) {
                c.skipPrefixed("password");
            }
            if (c.remaining() != 0) {
                throw BadConnect.malformed(c.remaining() + " bytes left over after the CONNECT payload");
            }
            connect = new ConnectInfo(name, level, bridge, clientId, (flags & 0x02) != 0, keepAlive,
                    willFlag, usernameFlag, passwordFlag, packetLength, properties.authenticationMethod(),
                    properties.maximumPacketSize());
            status = Status.COMPLETE;
        } catch (BadConnect e) {
            fail(Status.INVALID, e.getMessage(), e.reasonCode());
        }
    }

    private void fail(Status s, String why, int code) {
        status = s;
        failure = why;
        reasonCode = code;
    }

    /**
     * The protocol level of a CONNECT refused from its fixed header alone (too large): read from the bytes that
     * arrived, when they reach it; else -1.
     */
    private int peekLevel() {
        int at = headerLength;
        if (size < at + 2) {
            return -1;
        }
        int nameLength = (buf[at] & 0xFF) << 8 | (buf[at + 1] & 0xFF);
        if (nameLength != 4 || size < at + 2 + nameLength + 1
                || !"MQTT".equals(new String(buf, at + 2, 4, StandardCharsets.ISO_8859_1))) {
            return -1;
        }
        int level = buf[at + 2 + nameLength] & 0x7F;
        return level == 4 || level == 5 ? level : -1;
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), 16) + 2).append('"');
        for (int i = 0; i < s.length() && i < 16; i++) {
            char ch = s.charAt(i);
            b.append(ch >= 0x20 && ch < 0x7F && ch != '"' ? ch : '?');
        }
        return b.append('"').toString();
    }
}
