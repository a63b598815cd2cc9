package io.mqttcluster.gateway.proxy;

import io.netty.buffer.ByteBuf;

/**
 * Follows MQTT packet boundaries in a byte stream without copying it: only the fixed headers are read, the
 * bodies are skipped. The gateway uses it on the client-to-node direction to know when it may put a packet
 * of its own (a DISCONNECT) between the client's packets. Every MQTT version frames packets the same way.
 * One connection's event loop only.
 */
final class PacketBoundaries {
    private enum State { TYPE, LENGTH, BODY, BROKEN }

    private State state = State.TYPE;
    private int length;
    private int multiplier;
    private int lengthBytes;
    private int remaining;

    /** Follows the readable bytes of {@code buf}; does not move its indexes. */
    void feed(ByteBuf buf) {
        int i = buf.readerIndex();
        int end = buf.writerIndex();
        while (i < end && state != State.BROKEN) {
            switch (state) {
                case TYPE -> {
                    i++;
                    state = State.LENGTH;
                    length = 0;
                    multiplier = 1;
                    lengthBytes = 0;
                }
                case LENGTH -> {
                    int b = buf.getByte(i++) & 0xFF;
                    length += (b & 0x7F) * multiplier;
                    multiplier *= 128;
                    lengthBytes++;
                    if ((b & 0x80) == 0) {
                        remaining = length;
                        state = remaining == 0 ? State.TYPE : State.BODY;
                    } else if (lengthBytes == 4) {
                        state = State.BROKEN; // not MQTT: the node will close the connection
                    }
                }
                case BODY -> {
                    int skip = Math.min(remaining, end - i);
                    i += skip;
                    remaining -= skip;
                    if (remaining == 0) {
                        state = State.TYPE;
                    }
                }
                default -> {
                    return;
                }
            }
        }
    }

    /** True when every byte seen so far belongs to a complete packet. */
    boolean atBoundary() {
        return state == State.TYPE;
    }
}
