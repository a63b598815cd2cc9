package io.mqttcluster.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class ProxyProtocolV2Test {
    private static final byte[] SIG = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    @Test
    void header_ipv4_exactBytes() throws Exception {
        byte[] h = ProxyProtocolV2.header(InetAddress.getByName("192.168.1.20"), 51234, InetAddress.getByName("10.0.0.1"), 1883);
        byte[] expected = {
            0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A,
            0x21, 0x11, 0x00, 0x0C,
            (byte) 192, (byte) 168, 1, 20,
            10, 0, 0, 1,
            (byte) 0xC8, 0x22, // 51234
            0x07, 0x5B // 1883
        };
        assertThat(h).isEqualTo(expected);
    }

    @Test
    void header_ipv6_familyLengthAndAddresses() throws Exception {
        byte[] h = ProxyProtocolV2.header(InetAddress.getByName("2001:db8::1"), 40000, InetAddress.getByName("::1"), 8883);
        assertThat(h).hasSize(16 + 36);
        assertThat(java.util.Arrays.copyOf(h, 12)).isEqualTo(SIG);
        assertThat(h[12]).isEqualTo((byte) 0x21);
        assertThat(h[13]).isEqualTo((byte) 0x21);
        assertThat(h[14]).isEqualTo((byte) 0);
        assertThat(h[15]).isEqualTo((byte) 36);
        assertThat(java.util.Arrays.copyOfRange(h, 16, 32)).isEqualTo(InetAddress.getByName("2001:db8::1").getAddress());
        assertThat(java.util.Arrays.copyOfRange(h, 32, 48)).isEqualTo(InetAddress.getByName("::1").getAddress());
        assertThat(((h[48] & 0xFF) << 8) | (h[49] & 0xFF)).isEqualTo(40000);
        assertThat(((h[50] & 0xFF) << 8) | (h[51] & 0xFF)).isEqualTo(8883);
    }

    @Test
    void header_mixedFamilies_ipv4WrittenAsMappedIpv6() throws Exception {
        byte[] h = ProxyProtocolV2.header(InetAddress.getByName("1.2.3.4"), 1, InetAddress.getByName("::1"), 2);
        assertThat(h[13]).isEqualTo((byte) 0x21);
        byte[] src = java.util.Arrays.copyOfRange(h, 16, 32);
        assertThat(src).isEqualTo(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xFF, (byte) 0xFF, 1, 2, 3, 4});
    }

    @Test
    void local_noAddresses_localCommandLengthZero() {
        byte[] h = ProxyProtocolV2.local();
        assertThat(h).hasSize(16);
        assertThat(h[12]).isEqualTo((byte) 0x20);
        assertThat(h[13]).isEqualTo((byte) 0x00);
        assertThat(h[14]).isZero();
        assertThat(h[15]).isZero();
    }

    /**
     * Found by ProxyProtocolV2FuzzTest: a client certificate CN of about 64 KB overflowed the 16-bit lengths, so the
     * header ended early and the node would have read the rest of it as the client's MQTT bytes. The CN is left out
     * instead (never cut: a prefix could name someone else); the lengths always add up.
     */
    @Test
    void header_withACommonNameTooLongForTheHeader_leavesItOut_andTheLengthsAddUp() throws Exception {
        String cn = "c".repeat(65_527);
        byte[] h = ProxyProtocolV2.header(InetAddress.getByName("1.2.3.4"), 1, InetAddress.getByName("5.6.7.8"), 2,
                new ProxyProtocolV2.Tls("TLSv1.3", "TLS_AES_128_GCM_SHA256", cn, true));
        int length = ((h[14] & 0xFF) << 8) | (h[15] & 0xFF);
        assertThat(h).hasSize(16 + length);
        int tlvLength = ((h[16 + 12 + 1] & 0xFF) << 8) | (h[16 + 12 + 2] & 0xFF);
        assertThat(12 + 3 + tlvLength).isEqualTo(length);
        assertThat(new String(h, java.nio.charset.StandardCharsets.ISO_8859_1)).doesNotContain("ccc");
    }
}
