package io.mqttcluster.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.mqttcluster.gateway.backend.MoveReason;
import io.mqttcluster.gateway.hash.RouteReason;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

class SpliceTest {

    /** Counts bytes only. */
    private static final class Bytes implements ProxyMetrics {
        long toNode;
        long toClient;

        @Override public void accepted() { }
        @Override public void rejected(RejectReason reason) { }
        @Override public void routed(RouteReason reason) { }
        @Override public void moved(MoveReason reason) { }
        @Override public void bytesClientToNode(int n) { toNode += n; }
        @Override public void bytesNodeToClient(int n) { toClient += n; }
        @Override public void nodeConnected(long nanos) { }
    }

    private static ByteBuf of(int... bytes) {
        byte[] raw = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            raw[i] = (byte) bytes[i];
        }
        return Unpooled.wrappedBuffer(raw);
    }

    private static int[] drain(EmbeddedChannel ch) {
        ByteBuf all = Unpooled.buffer();
        for (ByteBuf b; (b = ch.readOutbound()) != null; ) {
            all.writeBytes(b);
            b.release();
        }
        int[] out = new int[all.readableBytes()];
        for (int i = 0; i < out.length; i++) {
            out[i] = all.getByte(i) & 0xFF;
        }
        all.release();
        return out;
    }

    @Test
    void bytes_bothWays_writtenAndCountedAfterTheReadBatch() {
        EmbeddedChannel client = new EmbeddedChannel();
        EmbeddedChannel node = new EmbeddedChannel();
        Bytes metrics = new Bytes();
        Splice s = new Splice(client, node, metrics);
        s.toNode(of(0xC0, 0x00));
        assertThat(drain(node)).as("not flushed before the batch ends").isEmpty();
        s.clientReadComplete();
        assertThat(drain(node)).containsExactly(0xC0, 0x00);
        s.toClient(of(0xD0, 0x00));
        s.nodeReadComplete();
        assertThat(drain(client)).containsExactly(0xD0, 0x00);
        assertThat(metrics.toNode).isEqualTo(2);
        assertThat(metrics.toClient).isEqualTo(2);
    }

    @Test
    void disconnect_onlyBetweenTheClientsPackets() {
        EmbeddedChannel client = new EmbeddedChannel();
        EmbeddedChannel node = new EmbeddedChannel();
        Splice s = new Splice(client, node, new Bytes());
        s.toNode(of(0x30, 0x03, 0x00)); // a PUBLISH, 2 of its 3 body bytes missing
        assertThat(s.disconnectAtPacketBoundary()).isFalse();
        s.toNode(of(0x01, 'a'));
        assertThat(s.disconnectAtPacketBoundary()).isTrue();
        node.flush();
        assertThat(drain(node)).endsWith(0xE0, 0x00);
    }
}
