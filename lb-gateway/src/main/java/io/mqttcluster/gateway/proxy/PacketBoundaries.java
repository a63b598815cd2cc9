package io.mqttcluster.gateway.proxy;

import io.mqttcluster.gateway.connect.VariableByteInteger;
import io.netty.buffer.ByteBuf;

/**
 * Follows MQTT packet boundaries in a byte stream without copying it: only the fixed headers (and the first two
 * body bytes of each packet) are read, the rest of the bodies is skipped. Every MQTT version frames packets the same
 * way [MQTT 5.0 section 2.1.1], and so do the AUTH packets of MQTT 5 enhanced authentication (type 15).
 *
 * <p>The gateway follows both directions of a spliced connection: client to node, to put a DISCONNECT in the
 * client's name between two of the client's packets; node to client, to tell AUTH packets from the CONNACK while a
 * client connects, and to put a DISCONNECT for an MQTT 5.0 client between two of the node's packets.
 *
 * <p>One connection's event loop only.
 */
final class PacketBoundaries {
    /** MQTT control packet types (the high nibble of the first byte) the gateway looks for. */
    static final int CONNACK = 2;
    static final int DISCONNECT = 14;
    static final int AUTH = 15;

    private enum State { TYPE, LENGTH, BODY, BROKEN }

    private State state = State.TYPE;
    private final VariableByteInteger length = new VariableByteInteger();
    private int remaining;
    /** The first byte of the packet being read, or of the last one that ended; -1 before any. */
    private int firstByte = -1;
    /** Body bytes read of the packet being read (or of the last one), at most 2 counted. */
    private int headRead;
    private int head0 = -1;
    private int head1 = -1;

    /** Follows the readable bytes of {@code buf}; does not move its indexes. */
    void feed(ByteBuf buf) {
        int i = buf.readerIndex();
        int end = buf.writerIndex();
        while (i < end && state != State.BROKEN) {
            int next = feedUntilPacketEnd(buf, i, end);
            if (next < 0) {
                return;
            }
            i = next;
        }
    }

    /**
     * Follows {@code buf[from, to)} until a packet ends (the one being read, or at a boundary the next one). Does
     * not move the buffer's indexes.
     *
     * @return the index just after that packet's last byte, or -1 when no packet ends before {@code to} (then all
     *         of it was followed) or the stream is not MQTT
     */
    int feedUntilPacketEnd(ByteBuf buf, int from, int to) {
        int i = from;
        while (i < to) {
            switch (state) {
                case TYPE -> {
                    firstByte = buf.getByte(i++) & 0xFF;
                    headRead = 0;
                    head0 = -1;
                    head1 = -1;
                    state = State.LENGTH;
                    length.reset();
                }
                case LENGTH -> {
                    switch (length.next(buf.getByte(i++))) {
                        case MORE -> {
                        }
                        case DONE -> {
                            remaining = length.value();
                            if (remaining == 0) {
                                state = State.TYPE;
                                return i;
                            }
                            state = State.BODY;
                        }
                        case MALFORMED -> {
                            state = State.BROKEN; // not MQTT: the peer will close the connection
                            return -1;
                        }
                    }
                }
                case BODY -> {
                    while (headRead < 2 && remaining > 0 && i < to) {
                        int b = buf.getByte(i++) & 0xFF;
                        if (headRead++ == 0) {
                            head0 = b;
                        } else {
                            head1 = b;
                        }
                        remaining--;
                    }
                    int skip = Math.min(remaining, to - i);
                    i += skip;
                    remaining -= skip;
                    if (remaining == 0) {
                        state = State.TYPE;
                        return i;
                    }
                }
                default -> {
                    return -1;
                }
            }
        }
        return -1;
    }

    /** True when every byte seen so far belongs to a complete packet. */
    boolean atBoundary() {
        return state == State.TYPE;
    }

    /** True when a remaining length was malformed: no boundary will come again. */
    boolean broken() {
        return state == State.BROKEN;
    }

    /** The type (1 to 15) of the last packet that ended, when {@link #atBoundary()}; else of the one being read. */
    int packetType() {
        return firstByte < 0 ? -1 : firstByte >> 4;
    }

    /**
     * Body byte {@code index} (0 or 1) of the last packet that ended, -1 when its body is shorter. For a CONNACK,
     * byte 1 is the return code (3.1.1) or reason code (5.0).
     */
    int bodyByte(int index) {
        return index == 0 ? head0 : head1;
    }
}
