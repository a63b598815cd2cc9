package io.mqttcluster.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class UnansweredBytesTest {

    private static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
    }

    private static String text(ByteBuf b) {
        try {
            return b.toString(StandardCharsets.US_ASCII);
        } finally {
            b.release();
        }
    }

    @Test
    void keep_underTheCap_replaysEverythingInOrder() {
        UnansweredBytes u = new UnansweredBytes(10);
        assertThat(u.kept()).isFalse();
        u.start(ByteBufAllocator.DEFAULT, "conn".getBytes(StandardCharsets.US_ASCII));
        ByteBuf sent = bytes("ect");
        u.keep(sent);
        assertThat(sent.readerIndex()).isZero(); // the original goes on to the node untouched
        assertThat(text(u.replay())).isEqualTo("connect");
        assertThat(text(u.replay())).as("again, for a third node").isEqualTo("connect");
        u.release();
        sent.release();
        assertThat(sent.refCnt()).isZero();
    }

    @Test
    void keep_overTheCap_keepsNothing() {
        UnansweredBytes u = new UnansweredBytes(5);
        u.start(ByteBufAllocator.DEFAULT, "conn".getBytes(StandardCharsets.US_ASCII));
        ByteBuf sent = bytes("ect");
        u.keep(sent);
        assertThat(u.kept()).isFalse();
        u.keep(sent); // ignored once dropped
        assertThat(sent.refCnt()).isEqualTo(1);
        sent.release();
    }

    @Test
    void release_twice_isHarmless() {
        UnansweredBytes u = new UnansweredBytes(5);
        u.start(ByteBufAllocator.DEFAULT, new byte[] {0x10});
        u.release();
        u.release();
        assertThat(u.kept()).isFalse();
    }
}
