package io.mqttcluster.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

class PacketBoundariesTest {

    private static boolean afterFeeding(PacketBoundaries b, int... bytes) {
        byte[] raw = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            raw[i] = (byte) bytes[i];
        }
        b.feed(Unpooled.wrappedBuffer(raw));
        return b.atBoundary();
    }

    @Test
    void wholePackets_atBoundaryAfterEach() {
        PacketBoundaries b = new PacketBoundaries();
        assertThat(b.atBoundary()).isTrue();
        // PINGREQ, then PUBLISH QoS 0 "a/b" payload "x", then DISCONNECT
        assertThat(afterFeeding(b, 0xC0, 0x00, 0x30, 0x06, 0x00, 0x03, 'a', '/', 'b', 'x', 0xE0, 0x00)).isTrue();
    }

    @Test
    void packetSplitAnywhere_boundaryOnlyAtItsEnd() {
        int[] publish = {0x30, 0x06, 0x00, 0x03, 'a', '/', 'b', 'x'};
        for (int cut = 1; cut < publish.length; cut++) {
            PacketBoundaries b = new PacketBoundaries();
            int[] head = java.util.Arrays.copyOfRange(publish, 0, cut);
            int[] tail = java.util.Arrays.copyOfRange(publish, cut, publish.length);
            assertThat(afterFeeding(b, head)).as("cut at %d", cut).isFalse();
            assertThat(afterFeeding(b, tail)).as("cut at %d", cut).isTrue();
        }
    }

    @Test
    void multiByteRemainingLength_followed() {
        PacketBoundaries b = new PacketBoundaries();
        // remaining length 200 = 0xC8 0x01
        int[] header = {0x30, 0xC8, 0x01};
        assertThat(afterFeeding(b, header)).isFalse();
        b.feed(Unpooled.wrappedBuffer(new byte[199]));
        assertThat(b.atBoundary()).isFalse();
        b.feed(Unpooled.wrappedBuffer(new byte[1]));
        assertThat(b.atBoundary()).isTrue();
    }

    @Test
    void malformedLength_neverABoundaryAgain() {
        PacketBoundaries b = new PacketBoundaries();
        assertThat(afterFeeding(b, 0x30, 0xFF, 0xFF, 0xFF, 0xFF)).isFalse();
        assertThat(afterFeeding(b, 0x00, 0xC0, 0x00)).isFalse();
    }

    private static io.netty.buffer.ByteBuf buf(int... bytes) {
        byte[] raw = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            raw[i] = (byte) bytes[i];
        }
        return Unpooled.wrappedBuffer(raw);
    }

    @Test
    void feedUntilPacketEnd_stopsAfterEachPacket_andTellsItsTypeAndFirstBodyBytes() {
        // AUTH (reason 0x18, properties: method "M"), then CONNACK 5.0 (reason 0x00), then PINGRESP
        io.netty.buffer.ByteBuf b = buf(0xF0, 0x06, 0x18, 0x04, 0x15, 0x00, 0x01, 'M',
                0x20, 0x03, 0x00, 0x00, 0x00, 0xD0, 0x00);
        PacketBoundaries p = new PacketBoundaries();
        int end = b.writerIndex();
        int at = p.feedUntilPacketEnd(b, 0, end);
        assertThat(at).isEqualTo(8);
        assertThat(p.packetType()).isEqualTo(PacketBoundaries.AUTH);
        assertThat(p.bodyByte(0)).isEqualTo(0x18);
        at = p.feedUntilPacketEnd(b, at, end);
        assertThat(at).isEqualTo(13);
        assertThat(p.packetType()).isEqualTo(PacketBoundaries.CONNACK);
        assertThat(p.bodyByte(1)).as("reason code").isEqualTo(0x00);
        at = p.feedUntilPacketEnd(b, at, end);
        assertThat(at).isEqualTo(15);
        assertThat(p.packetType()).isEqualTo(13);
        assertThat(p.bodyByte(0)).as("no body").isEqualTo(-1);
        assertThat(p.feedUntilPacketEnd(b, at, end)).isEqualTo(-1);
        assertThat(b.readerIndex()).as("indexes untouched").isZero();
    }

    @Test
    void feedUntilPacketEnd_authSplitOneByteAtATime_endsOnlyOnItsLastByte() {
        int[] auth = {0xF0, 0x0B, 0x18, 0x09, 0x15, 0x00, 0x01, 'M', 0x16, 0x00, 0x02, 1, 2};
        PacketBoundaries p = new PacketBoundaries();
        for (int i = 0; i < auth.length; i++) {
            int r = p.feedUntilPacketEnd(buf(auth[i]), 0, 1);
            assertThat(r).as("byte %d", i).isEqualTo(i == auth.length - 1 ? 1 : -1);
        }
        assertThat(p.atBoundary()).isTrue();
        assertThat(p.packetType()).isEqualTo(PacketBoundaries.AUTH);
        assertThat(p.bodyByte(0)).isEqualTo(0x18);
        assertThat(p.bodyByte(1)).isEqualTo(0x09);
    }

    @Test
    void connackOf311_returnCodeIsBodyByteOne() {
        PacketBoundaries p = new PacketBoundaries();
        p.feed(buf(0x20, 0x02, 0x01, 0x05));
        assertThat(p.packetType()).isEqualTo(PacketBoundaries.CONNACK);
        assertThat(p.bodyByte(0)).as("session present").isEqualTo(1);
        assertThat(p.bodyByte(1)).as("not authorized").isEqualTo(5);
    }

    @Test
    void malformedLength_reportedAsBroken() {
        PacketBoundaries p = new PacketBoundaries();
        assertThat(p.feedUntilPacketEnd(buf(0x30, 0xFF, 0xFF, 0xFF, 0xFF), 0, 5)).isEqualTo(-1);
        assertThat(p.broken()).isTrue();
    }
}
