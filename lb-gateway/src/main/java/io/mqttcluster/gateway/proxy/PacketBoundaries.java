package io.mqttcluster.gateway.proxy;

import io.mqttcluster.gateway.connect.VariableByteInteger;
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
    private final VariableByteInteger length = new VariableByteInteger();
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
                    length.reset();
                }
                case LENGTH -> {
                    switch (length.next(buf.getByte(i++))) {
                        case MORE -> {
                        }
                        case DONE -> {
                            remaining = length.value();
                            state = remaining == 0 ? State.TYPE : State.BODY;
                        }
                        case MALFORMED -> state = State.BROKEN; // not MQTT: the node will close the connection
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
