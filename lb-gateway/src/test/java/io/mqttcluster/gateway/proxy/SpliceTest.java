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
        final java.util.List<Integer> disconnects = new java.util.ArrayList<>();

        @Override public void accepted() { }
        @Override public void rejected(RejectReason reason) { }
        @Override public void acceptDelayed(String limit, long nanos) { }
        @Override public void clientIdBanned() { }
        @Override public void routed(RouteReason reason) { }
        @Override public void moved(MoveReason reason) { }
        @Override public void bytesClientToNode(int n) { toNode += n; }
        @Override public void bytesNodeToClient(int n) { toClient += n; }
        @Override public void nodeConnected(long nanos) { }
        @Override public void connectRead(int protocolLevel) { }
        @Override public void splicedChanged(int protocolLevel, int delta) { }
        @Override public void connackSent(int reasonCode) { }
        @Override public void disconnectSent(int reasonCode) { disconnects.add(reasonCode); }
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
        Splice s = new Splice(client, node, metrics, 4);
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

    /** CONNACK accepting a 5.0 client, no properties. */
    private static final int[] CONNACK_5 = {0x20, 0x03, 0x00, 0x00, 0x00};
    /** What a moved 5.0 client gets in these tests. */
    private static final int[] DISCONNECT_9C = {0xE0, 0x01, 0x9C};
    /** An AUTH from the node, reason 0x18 (continue authentication), method "M", data {1, 2}. */
    private static final int[] AUTH_FROM_NODE = {0xF0, 0x0B, 0x18, 0x09, 0x15, 0x00, 0x01, 'M', 0x16, 0x00, 0x02, 1, 2};
    /** The client's AUTH answer, reason 0x18, method "M", data {3}. */
    private static final int[] AUTH_FROM_CLIENT = {0xF0, 0x0A, 0x18, 0x08, 0x15, 0x00, 0x01, 'M', 0x16, 0x00, 0x01, 3};
    /** A QoS 0 PUBLISH "a/b" payload "x" (3.1.1 form). */
    private static final int[] PUBLISH = {0x30, 0x06, 0x00, 0x03, 'a', '/', 'b', 'x'};

    private static byte[] bytes(int[] packet) {
        byte[] b = new byte[packet.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) packet[i];
        }
        return b;
    }

    private static int[] cat(int[]... parts) {
        return java.util.Arrays.stream(parts).flatMapToInt(java.util.Arrays::stream).toArray();
    }

    private static int[] range(int[] p, int from, int to) {
        return java.util.Arrays.copyOfRange(p, from, to);
    }

    /** Both ends of a splice of one protocol level, and whether its move is done. */
    private static final class Pair {
        final EmbeddedChannel client = new EmbeddedChannel();
        final EmbeddedChannel node = new EmbeddedChannel();
        final Bytes metrics = new Bytes();
        final Splice splice;
        boolean done;

        Pair(int level) {
            splice = new Splice(client, node, metrics, level);
        }

        void fromNode(int... b) {
            splice.toClient(of(b));
            splice.nodeReadComplete();
        }

        void fromClient(int... b) {
            splice.toNode(of(b));
            splice.clientReadComplete();
        }

        void move(int[] forClient) {
            splice.move(forClient == null ? null : bytes(forClient), 0x9C, () -> done = true);
        }

        int[] clientGot() {
            client.flush();
            return drain(client);
        }

        int[] nodeGot() {
            node.flush();
            return drain(node);
        }
    }

    @Test
    void move_mqtt5AtBothBoundaries_disconnectInTheClientsNameToTheNodeAndWithReasonToTheClient() {
        Pair p = new Pair(5);
        p.fromClient(0xC0, 0x00);
        p.fromNode(CONNACK_5);
        assertThat(p.clientGot()).containsExactly(CONNACK_5);
        assertThat(p.nodeGot()).containsExactly(0xC0, 0x00);
        p.move(DISCONNECT_9C);
        assertThat(p.done).isTrue();
        assertThat(p.nodeGot()).containsExactly(0xE0, 0x00);
        assertThat(p.clientGot()).containsExactly(DISCONNECT_9C);
        assertThat(p.metrics.disconnects).containsExactly(0x9C);
        assertThat(p.splice.toldClient()).isTrue();
    }

    @Test
    void move_mqtt5NodeMidPacket_clientGetsTheRestOfThatPacketThenTheDisconnectThenNothing() {
        Pair p = new Pair(5);
        p.fromNode(cat(CONNACK_5, range(PUBLISH, 0, 3)));
        p.move(DISCONNECT_9C);
        assertThat(p.done).as("waits for the node's packet to end").isFalse();
        assertThat(p.nodeGot()).containsExactly(0xE0, 0x00);
        assertThat(p.clientGot()).containsExactly(cat(CONNACK_5, range(PUBLISH, 0, 3)));
        p.fromNode(cat(range(PUBLISH, 3, PUBLISH.length), new int[] {0xD0, 0x00}));
        assertThat(p.clientGot()).as("the PINGRESP after the cut is dropped")
                .containsExactly(cat(range(PUBLISH, 3, PUBLISH.length), DISCONNECT_9C));
        assertThat(p.done).isTrue();
        p.fromNode(0xD0, 0x00);
        assertThat(p.clientGot()).isEmpty();
    }

    @Test
    void move_clientMidPacket_itsPacketEndsOnTheNodeThenTheDisconnect_laterBytesDropped() {
        Pair p = new Pair(4);
        p.fromNode(0x20, 0x02, 0x00, 0x00);
        p.fromClient(range(PUBLISH, 0, 5));
        p.move(null);
        assertThat(p.done).isFalse();
        p.fromClient(cat(range(PUBLISH, 5, PUBLISH.length), new int[] {0xC0, 0x00}));
        assertThat(p.nodeGot()).containsExactly(cat(PUBLISH, new int[] {0xE0, 0x00}));
        assertThat(p.done).isTrue();
        assertThat(p.clientGot()).as("a 3.1.1 client gets no DISCONNECT").containsExactly(0x20, 0x02, 0x00, 0x00);
        assertThat(p.metrics.disconnects).isEmpty();
    }

    @Test
    void move_duringAuthExchange_waitsForTheConnack_authPacketsPassBothWays() {
        Pair p = new Pair(5);
        p.fromNode(AUTH_FROM_NODE);
        assertThat(p.splice.handshake().state()).isEqualTo(NodeHandshake.State.AUTHENTICATING);
        p.move(DISCONNECT_9C);
        assertThat(p.done).isFalse();
        assertThat(p.nodeGot()).as("no DISCONNECT before the node's CONNACK").isEmpty();
        p.fromClient(AUTH_FROM_CLIENT);
        assertThat(p.nodeGot()).containsExactly(AUTH_FROM_CLIENT);
        p.fromNode(AUTH_FROM_NODE);
        p.fromClient(AUTH_FROM_CLIENT);
        assertThat(p.nodeGot()).containsExactly(AUTH_FROM_CLIENT);
        assertThat(p.clientGot()).containsExactly(cat(AUTH_FROM_NODE, AUTH_FROM_NODE));
        assertThat(p.done).isFalse();
        // the CONNACK and a PUBLISH in one read: the DISCONNECT goes right after the CONNACK
        p.fromNode(cat(CONNACK_5, PUBLISH));
        assertThat(p.clientGot()).containsExactly(cat(CONNACK_5, DISCONNECT_9C));
        assertThat(p.nodeGot()).containsExactly(0xE0, 0x00);
        assertThat(p.done).isTrue();
        assertThat(p.splice.handshake().authPackets()).isEqualTo(2);
    }

    @Test
    void move_connackRefusesTheClient_noDisconnectEitherWay() {
        Pair p = new Pair(5);
        p.move(DISCONNECT_9C);
        p.fromNode(0x20, 0x03, 0x00, 0x87, 0x00); // 0x87 not authorized
        assertThat(p.clientGot()).containsExactly(0x20, 0x03, 0x00, 0x87, 0x00);
        assertThat(p.nodeGot()).isEmpty();
        assertThat(p.done).isTrue();
        assertThat(p.metrics.disconnects).isEmpty();
    }

    @Test
    void move_mqtt311BeforeConnack_cutAfterTheConnack() {
        Pair p = new Pair(4);
        p.move(null);
        p.fromNode(0x20, 0x02, 0x00, 0x00, 0x90, 0x03, 0x00, 0x01, 0x00); // CONNACK, then a SUBACK
        assertThat(p.clientGot()).containsExactly(0x20, 0x02, 0x00, 0x00);
        assertThat(p.nodeGot()).containsExactly(0xE0, 0x00);
        assertThat(p.done).isTrue();
    }

    @Test
    void move_afterTheNodesOwnDisconnect_noSecondDisconnectForTheClient() {
        Pair p = new Pair(5);
        p.fromNode(cat(CONNACK_5, new int[] {0xE0, 0x01, 0x8E})); // session taken over
        p.move(DISCONNECT_9C);
        assertThat(p.done).isTrue();
        assertThat(p.clientGot()).containsExactly(cat(CONNACK_5, new int[] {0xE0, 0x01, 0x8E}));
        assertThat(p.metrics.disconnects).isEmpty();
    }

    @Test
    void mqtt311_afterConnack_nodeBytesNoLongerFollowed_butStillForwarded() {
        Pair p = new Pair(4);
        p.fromNode(0x20, 0x02, 0x00, 0x00, 0x30);
        p.fromNode(0x02, 0x00, 0x00);
        assertThat(p.clientGot()).containsExactly(0x20, 0x02, 0x00, 0x00, 0x30, 0x02, 0x00, 0x00);
        assertThat(p.metrics.toClient).isEqualTo(8);
        assertThat(p.splice.handshake().state()).isEqualTo(NodeHandshake.State.ACCEPTED);
    }
}
