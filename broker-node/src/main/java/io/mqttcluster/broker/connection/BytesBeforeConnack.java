package io.mqttcluster.broker.connection;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the MQTT bytes a connection sends before its CONNACK and closes it past {@code mqtt.max-bytes-before-connack}:
 * a connection that has not been accepted yet may not make the node hold a packet of up to
 * {@code mqtt.max-packet-size} (the decoder holds a packet whole until it is complete). Removed from the pipeline
 * when the CONNACK goes out.
 */
final class BytesBeforeConnack extends ChannelInboundHandlerAdapter {

    private final long limit;
    private final LongAdder refused;
    private long seen;

    BytesBeforeConnack(long limit, LongAdder refused) {
        this.limit = limit;
        this.refused = refused;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf b) {
            seen += b.readableBytes();
            if (seen > limit) {
                ReferenceCountUtil.release(msg);
                refused.increment();
                BadInputLog.report(String.valueOf(ctx.channel().remoteAddress()), new IllegalStateException(
                        "more than " + limit + " bytes before CONNACK (mqtt.max-bytes-before-connack)"));
                ctx.close();
                return;
            }
        }
        ctx.fireChannelRead(msg);
    }
}
