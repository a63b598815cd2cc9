package io.mqttcluster.gateway.connect;

import static org.assertj.core.api.Assertions.assertThat;

import io.mqttcluster.gateway.connect.ConnectReader.Status;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ConnectReaderTest {
    private static final int CAP = 64 * 1024;

    private static ConnectReader readAll(byte[] packet) {
        ConnectReader r = new ConnectReader(CAP);
        r.feed(packet);
        return r;
    }

    @Test
    void feed_mqtt311Connect_complete() {
        byte[] p = ConnectPackets.v311("sensor-1").keepAlive(30).cleanStart(false).bytes();
        ConnectReader r = readAll(p);
        assertThat(r.status()).isEqualTo(Status.COMPLETE);
        ConnectInfo c = r.connect();
        assertThat(c.protocolName()).isEqualTo("MQTT");
        assertThat(c.protocolLevel()).isEqualTo(4);
        assertThat(c.clientId()).isEqualTo("sensor-1");
        assertThat(c.keepAliveSeconds()).isEqualTo(30);
        assertThat(c.cleanStart()).isFalse();
        assertThat(c.hasUsername()).isFalse();
        assertThat(c.packetLength()).isEqualTo(p.length);
        assertThat(r.received()).isEqualTo(p);
    }

    @Test
    void feed_mqtt31MQIsdpConnect_complete() {
        ConnectReader r = readAll(ConnectPackets.v31("old-client").bytes());
        assertThat(r.status()).isEqualTo(Status.COMPLETE);
        assertThat(r.connect().protocolName()).isEqualTo("MQIsdp");
        assertThat(r.connect().protocolLevel()).isEqualTo(3);
        assertThat(r.connect().clientId()).isEqualTo("old-client");
    }

    @Test
    void feed_mqtt5WithPropertiesWillWillPropertiesAndCredentials_complete() {
        byte[] p = ConnectPackets.v5("v5-client")
                .properties(ConnectPackets.sampleConnectProperties())
                .will("last/will", "bye".getBytes(StandardCharsets.UTF_8), 1, true)
                .willProperties(ConnectPackets.sampleWillProperties())
                .username("alice").password("secret".getBytes(StandardCharsets.UTF_8))
                .bytes();
        ConnectReader r = readAll(p);
        assertThat(r.status()).as(r.failure()).isEqualTo(Status.COMPLETE);
        ConnectInfo c = r.connect();
        assertThat(c.protocolLevel()).isEqualTo(5);
        assertThat(c.clientId()).isEqualTo("v5-client");
        assertThat(c.will()).isTrue();
        assertThat(c.hasUsername()).isTrue();
        assertThat(c.hasPassword()).isTrue();
        assertThat(c.toString()).doesNotContain("alice").doesNotContain("secret");
    }

    @Test
    void feed_mqtt311WillAndCredentials_complete() {
        byte[] p = ConnectPackets.v311("w").will("t", new byte[300], 2, false).username("u").password(new byte[] {1, 2}).bytes();
        ConnectReader r = readAll(p);
        assertThat(r.status()).isEqualTo(Status.COMPLETE);
        assertThat(r.connect().will()).isTrue();
    }

    @Test
    void feed_mqtt5PropertiesWhoseLengthIsMultiByte_skippedCorrectly() {
        ByteArrayOutputStream props = new ByteArrayOutputStream();
        for (int i = 0; i < 40; i++) { // 40 user properties of 7 bytes: 280 bytes, a 2-byte length
            props.write(0x26);
            ConnectPackets.string(props, "kk".getBytes(StandardCharsets.UTF_8));
            ConnectPackets.string(props, "v".getBytes(StandardCharsets.UTF_8));
        }
        byte[] p = ConnectPackets.v5("big-props").properties(props.toByteArray()).bytes();
        ConnectReader r = readAll(p);
        assertThat(r.status()).isEqualTo(Status.COMPLETE);
        assertThat(r.connect().clientId()).isEqualTo("big-props");
    }

    @Test
    void feed_emptyClientIdAndUnicode_bothRead() {
        assertThat(readAll(ConnectPackets.v311("").bytes()).connect().clientId()).isEmpty();
        assertThat(readAll(ConnectPackets.v5("zähler-✓-𝄞").bytes()).connect().clientId()).isEqualTo("zähler-✓-𝄞");
    }

    @Test
    void feed_oneByteAtATime_completeOnlyOnLastByte() {
        byte[] p = ConnectPackets.v5("slow").properties(ConnectPackets.sampleConnectProperties()).bytes();
        ConnectReader r = new ConnectReader(CAP);
        for (int i = 0; i < p.length - 1; i++) {
            assertThat(r.feed(p, i, 1)).isEqualTo(Status.NEED_MORE);
        }
        assertThat(r.feed(p, p.length - 1, 1)).isEqualTo(Status.COMPLETE);
        assertThat(r.connect().clientId()).isEqualTo("slow");
        assertThat(r.received()).isEqualTo(p);
    }

    @Test
    void feed_randomFragments_sameResultAsWhole() {
        byte[] p = ConnectPackets.v311("fragmented").will("a/b", new byte[1000], 0, false).username("u").bytes();
        Random random = new Random(42);
        for (int round = 0; round < 200; round++) {
            ConnectReader r = new ConnectReader(CAP);
            int at = 0;
            while (at < p.length) {
                int n = Math.min(p.length - at, 1 + random.nextInt(40));
                r.feed(p, at, n);
                at += n;
            }
            assertThat(r.status()).isEqualTo(Status.COMPLETE);
            assertThat(r.connect().clientId()).isEqualTo("fragmented");
        }
    }

    @Test
    void feed_bytesAfterConnectInSameChunk_keptForForwarding() {
        byte[] connect = ConnectPackets.v311("eager").bytes();
        byte[] both = concat(connect, ConnectPackets.pingreq());
        ConnectReader r = readAll(both);
        assertThat(r.status()).isEqualTo(Status.COMPLETE);
        assertThat(r.connect().packetLength()).isEqualTo(connect.length);
        assertThat(r.received()).isEqualTo(both);
    }

    @Test
    void feed_announcedLengthOverCap_oversizeBeforeBodyArrives() {
        byte[] p = ConnectPackets.v311("x").will("t", new byte[2000], 0, false).bytes();
        ConnectReader r = new ConnectReader(1024);
        assertThat(r.feed(p, 0, 4)).isEqualTo(Status.OVERSIZE);
        assertThat(r.receivedLength()).isEqualTo(4);
    }

    @Test
    void feed_hugeAnnouncedLength_allocatesOnlyWhatArrived() {
        // 0x10, remaining length 268,435,455 (the 4-byte maximum), then a few bytes.
        byte[] header = {0x10, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x7F, 0, 4, 'M', 'Q'};
        ConnectReader big = new ConnectReader(Integer.MAX_VALUE - 16);
        assertThat(big.feed(header)).isEqualTo(Status.NEED_MORE);
        assertThat(big.receivedLength()).isEqualTo(header.length);
        assertThat(big.packetLength()).isEqualTo(5 + 268_435_455);
        ConnectReader capped = new ConnectReader(CAP);
        assertThat(capped.feed(header)).isEqualTo(Status.OVERSIZE);
    }

    @Test
    void feed_remainingLengthOverFourBytes_invalid() {
        byte[] p = {0x10, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x01};
        ConnectReader r = new ConnectReader(Integer.MAX_VALUE - 16);
        assertThat(r.feed(p)).isEqualTo(Status.INVALID);
        assertThat(r.failure()).contains("4 bytes");
    }

    @Test
    void feed_nonConnectFirstPacket_invalidAtFirstByte() {
        ConnectReader r = new ConnectReader(CAP);
        assertThat(r.feed(new byte[] {0x30})).isEqualTo(Status.INVALID); // PUBLISH
        assertThat(r.failure()).contains("not CONNECT");
        assertThat(new ConnectReader(CAP).feed(ConnectPackets.pingreq())).isEqualTo(Status.INVALID);
    }

    @Test
    void feed_httpRequestGarbage_invalid() {
        assertThat(new ConnectReader(CAP).feed("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII)))
                .isEqualTo(Status.INVALID);
    }

    @Test
    void feed_connectWithFlagsInFixedHeader_invalid() {
        byte[] p = ConnectPackets.v311("f").bytes();
        p[0] = 0x12; // [MQTT-2.2.2-2]
        assertThat(readAll(p).status()).isEqualTo(Status.INVALID);
    }

    @Test
    void feed_wrongProtocolNameOrLevel_invalid() {
        assertThat(readAll(ConnectPackets.v311("a").protocol("MQTX", 4).bytes()).status()).isEqualTo(Status.INVALID);
        assertThat(readAll(ConnectPackets.v311("a").protocol("MQTT", 3).bytes()).status()).isEqualTo(Status.INVALID);
        assertThat(readAll(ConnectPackets.v311("a").protocol("MQTT", 6).bytes()).status()).isEqualTo(Status.INVALID);
        assertThat(readAll(ConnectPackets.v31("a").protocol("MQIsdp", 4).bytes()).status()).isEqualTo(Status.INVALID);
    }

    @Test
    void feed_bridgeBitOnLevel_acceptedAndReported() {
        byte[] p = ConnectPackets.v311("bridge-1").bytes();
        p[8] = (byte) 0x84; // 0x10, length, 0, 4, 'M', 'Q', 'T', 'T', level
        ConnectReader r = readAll(p);
        assertThat(r.status()).isEqualTo(Status.COMPLETE);
        assertThat(r.connect().bridge()).isTrue();
        assertThat(r.connect().protocolLevel()).isEqualTo(4);
    }

    @Test
    void feed_reservedConnectFlag_invalid() {
        byte[] p = ConnectPackets.v311("r").bytes();
        p[9] |= 0x01; // flags byte: 0x10, len, 0, 4, M, Q, T, T, level, flags
        assertThat(readAll(p).status()).isEqualTo(Status.INVALID);
    }

    @Test
    void feed_willQosWithoutWillFlag_invalid() {
        byte[] p = ConnectPackets.v311("q").bytes();
        p[9] |= 0x08;
        assertThat(readAll(p).status()).isEqualTo(Status.INVALID);
    }

    @Test
    void feed_clientIdNotUtf8OrWithNul_invalid() {
        assertThat(readAll(ConnectPackets.v311("").clientIdRaw(new byte[] {(byte) 0xC3, 0x28}).bytes()).status())
                .isEqualTo(Status.INVALID);
        assertThat(readAll(ConnectPackets.v311("").clientIdRaw(new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}).bytes()).status())
                .as("encoded surrogate U+D800").isEqualTo(Status.INVALID);
        assertThat(readAll(ConnectPackets.v311("a\u0000b").bytes()).status()).isEqualTo(Status.INVALID);
    }

    @Test
    void feed_fieldRunsPastPacketEnd_invalid() {
        byte[] p = ConnectPackets.v311("truncated-id").bytes();
        // shorten the remaining length by 3 and drop 3 bytes: the client id length now overruns
        byte[] cut = Arrays.copyOf(p, p.length - 3);
        cut[1] = (byte) (cut[1] - 3);
        assertThat(readAll(cut).status()).isEqualTo(Status.INVALID);
    }

    @Test
    void feed_extraBytesInsideRemainingLength_invalid() {
        byte[] p = ConnectPackets.v311("padded").bytes();
        byte[] longer = Arrays.copyOf(p, p.length + 2);
        longer[1] = (byte) (longer[1] + 2);
        ConnectReader r = readAll(longer);
        assertThat(r.status()).isEqualTo(Status.INVALID);
        assertThat(r.failure()).contains("left over");
    }

    @Test
    void feed_remainingLengthTooSmall_invalid() {
        assertThat(new ConnectReader(CAP).feed(new byte[] {0x10, 0x02, 0x00, 0x04})).isEqualTo(Status.INVALID);
    }

    @Test
    void feed_afterFinalStatus_ignored() {
        byte[] p = ConnectPackets.v311("done").bytes();
        ConnectReader r = readAll(p);
        assertThat(r.feed(new byte[] {1, 2, 3})).isEqualTo(Status.COMPLETE);
        assertThat(r.received()).isEqualTo(p);
    }

    @Test
    void feed_mutatedConnectsFuzz_neverThrowsAndAlwaysDecides() {
        Random random = new Random(0x5EED);
        byte[][] seeds = {
            ConnectPackets.v311("fuzz").bytes(),
            ConnectPackets.v31("fuzz31").username("u").password(new byte[] {1}).bytes(),
            ConnectPackets.v5("fuzz5").properties(ConnectPackets.sampleConnectProperties())
                    .will("w", new byte[] {1, 2}, 1, false).willProperties(ConnectPackets.sampleWillProperties()).bytes(),
        };
        int complete = 0;
        for (int round = 0; round < 30_000; round++) {
            byte[] p = seeds[round % seeds.length].clone();
            int mutations = 1 + random.nextInt(4);
            for (int m = 0; m < mutations; m++) {
                int kind = random.nextInt(3);
                if (kind == 0) {
                    p[random.nextInt(p.length)] = (byte) random.nextInt(256);
                } else if (kind == 1) {
                    p = Arrays.copyOf(p, Math.max(1, p.length - 1 - random.nextInt(4)));
                } else {
                    p = concat(p, new byte[] {(byte) random.nextInt(256)});
                }
            }
            ConnectReader r = new ConnectReader(256);
            int at = 0;
            while (at < p.length) {
                int n = Math.min(p.length - at, 1 + random.nextInt(8));
                r.feed(p, at, n);
                at += n;
            }
            // Either still waiting (a truncated packet), or decided, with a reason when refused.
            if (r.status() == Status.INVALID || r.status() == Status.OVERSIZE) {
                assertThat(r.failure()).isNotBlank();
            }
            if (r.status() == Status.COMPLETE) {
                complete++;
                assertThat(r.connect().packetLength()).isLessThanOrEqualTo(p.length);
            }
            assertThat(r.receivedLength()).isLessThanOrEqualTo(p.length);
        }
        assertThat(complete).as("some mutations stay valid").isGreaterThan(0);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
