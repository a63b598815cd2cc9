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
}
