package io.mqttcluster.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;

/**
 * What the client sent to its node while the node has not answered yet (the CONNECT first). A node that closes
 * before its first byte (it was dying, or stopping its listener) did not take the client, and the same bytes go to
 * the next node. Nothing is kept once the node answered, or once the bytes grew over connect.max-size.
 *
 * <p>Owned by one {@link ClientConnection}, on its event loop.
 */
final class UnansweredBytes {
    private final int cap;
    private CompositeByteBuf bytes;

    /** @param cap connect.max-size: more than this and the bytes are no longer kept */
    UnansweredBytes(int cap) {
        this.cap = cap;
    }

    /** Starts keeping, with everything read from the client so far (the CONNECT and what followed it). */
    void start(ByteBufAllocator alloc, byte[] received) {
        bytes = alloc.compositeBuffer();
        bytes.addComponent(true, Unpooled.wrappedBuffer(received));
    }

    /** True while the bytes are kept: the node has not answered and they fit under the cap. */
    boolean kept() {
        return bytes != null;
    }

    /** Keeps a copy of bytes sent on to the node; lets go of everything when they no longer fit. */
    void keep(ByteBuf data) {
        if (bytes == null) {
            return;
        }
        if (bytes.readableBytes() + data.readableBytes() > cap) {
            release();
            return;
        }
        bytes.addComponent(true, data.retainedDuplicate());
    }

    /** All the kept bytes again, for the next node (a retained duplicate: the caller releases it). */
    ByteBuf replay() {
        return bytes.retainedDuplicate();
    }

    /** The node answered, or the connection ends: nothing more is kept. */
    void release() {
        if (bytes != null) {
            bytes.release();
            bytes = null;
        }
    }
}
