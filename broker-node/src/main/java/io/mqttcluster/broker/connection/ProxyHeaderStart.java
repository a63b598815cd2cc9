package io.mqttcluster.broker.connection;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.util.ReferenceCountUtil;

import java.nio.charset.StandardCharsets;

/**
 * Refuses a connection as soon as its first bytes cannot begin a PROXY protocol header: neither the v1 line's
 * {@code "PROXY "} nor the v2 signature. Netty's decoder takes anything that is not the v2 signature for a v1 line
 * and waits for its end (up to 108 bytes), so a client that bypassed the gateway and sent a short CONNECT would hold
 * its connection until the CONNECT deadline. Placed before that decoder; removes itself once a prefix matched.
 *
 * <p>Thread: the connection's event loop.
 */
final class ProxyHeaderStart extends ChannelInboundHandlerAdapter {

    private static final byte[] V1 = "PROXY ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] V2 = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    /** Whether a connection whose first byte is {@code first} may be starting a PROXY header (v1 or v2). */
    static boolean mayStartHeader(byte first) {
        return first == V1[0] || first == V2[0];
    }

    private int seen;
    private boolean v1 = true;
    private boolean v2 = true;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf b) {
            for (int i = b.readerIndex(); i < b.writerIndex() && (v1 || v2); i++, seen++) {
                byte x = b.getByte(i);
                v1 &= seen >= V1.length || V1[seen] == x;
                v2 &= seen >= V2.length || V2[seen] == x;
                if ((v1 && seen + 1 >= V1.length) || (v2 && seen + 1 >= V2.length)) {
                    ctx.pipeline().remove(this);
                    ctx.fireChannelRead(msg);
                    return;
                }
            }
            if (!v1 && !v2) {
                ReferenceCountUtil.release(msg);
                ctx.fireExceptionCaught(new DecoderException("not a PROXY protocol header"));
                return;
            }
        }
        ctx.fireChannelRead(msg);
    }
}
