package io.mqttcluster.broker.mqtt;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class Utf8Test {

    static byte[] b(int... v) {
        byte[] out = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (byte) v[i];
        }
        return out;
    }

    @Test
    void wellFormedText_ofEveryLength_isValid() {
        assertThat(Utf8.isValid(new byte[0])).isTrue();
        assertThat(Utf8.isValid("plain ascii".getBytes(StandardCharsets.UTF_8))).isTrue();
        assertThat(Utf8.isValid("héllo wörld €uro 😀 日本".getBytes(StandardCharsets.UTF_8))).isTrue();
        assertThat(Utf8.isValid(b(0xF4, 0x8F, 0xBF, 0xBF))).as("U+10FFFF").isTrue();
    }

    @Test
    void malformedSequences_areNot() {
        assertThat(Utf8.isValid(b(0xC3, 0x28))).as("bad continuation").isFalse();
        assertThat(Utf8.isValid(b(0xC3))).as("truncated").isFalse();
        assertThat(Utf8.isValid(b(0xE2, 0x82))).as("truncated 3-byte").isFalse();
        assertThat(Utf8.isValid(b(0xC0, 0xAF))).as("overlong /").isFalse();
        assertThat(Utf8.isValid(b(0xE0, 0x80, 0xAF))).as("overlong 3-byte").isFalse();
        assertThat(Utf8.isValid(b(0xED, 0xA0, 0x80))).as("surrogate U+D800").isFalse();
        assertThat(Utf8.isValid(b(0xF4, 0x90, 0x80, 0x80))).as("above U+10FFFF").isFalse();
        assertThat(Utf8.isValid(b(0x80))).as("lone continuation").isFalse();
        assertThat(Utf8.isValid(b(0xFF))).isFalse();
    }

    @Test
    void agreesWithTheJdksStrictDecoder_onRandomBytes() {
        Random r = new Random(42);
        for (int i = 0; i < 20_000; i++) {
            byte[] bytes = new byte[r.nextInt(8)];
            r.nextBytes(bytes);
            boolean jdk;
            try {
                StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes));
                jdk = true;
            } catch (java.nio.charset.CharacterCodingException e) {
                jdk = false;
            }
            assertThat(Utf8.isValid(bytes)).as(java.util.Arrays.toString(bytes)).isEqualTo(jdk);
        }
    }
}
