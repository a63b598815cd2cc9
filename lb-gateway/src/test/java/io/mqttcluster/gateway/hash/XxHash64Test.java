package io.mqttcluster.gateway.hash;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class XxHash64Test {

    private static long h(String s, long seed) {
        return XxHash64.hash(s.getBytes(StandardCharsets.UTF_8), seed);
    }

    @Test
    void hash_referenceVectors_matchPublishedValues() {
        // Values of the reference implementation (XXH64, seed 0 unless stated).
        assertThat(h("", 0)).isEqualTo(0xEF46DB3751D8E999L);
        assertThat(h("a", 0)).isEqualTo(0xD24EC4F1A98C6E5BL);
        assertThat(h("abc", 0)).isEqualTo(0x44BC2CF5AD770999L);
        assertThat(h("Nobody inspects the spammish repetition", 0)).isEqualTo(0xFBCEA83C8A378BF1L);
    }

    @Test
    void hash_offsetAndLength_hashOnlyThatSlice() {
        byte[] padded = "xxabcyy".getBytes(StandardCharsets.UTF_8);
        assertThat(XxHash64.hash(padded, 2, 3, 0)).isEqualTo(h("abc", 0));
    }

    @Test
    void hash_everyLengthUpTo100_differsFromItsNeighbourAndSeed() {
        byte[] data = new byte[100];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 31 + 7);
        }
        long previous = 0;
        for (int len = 0; len <= 100; len++) {
            long v = XxHash64.hash(data, 0, len, 0);
            assertThat(v).isNotEqualTo(previous);
            assertThat(XxHash64.hash(data, 0, len, 1)).isNotEqualTo(v);
            previous = v;
        }
    }
}
