package io.mqttcluster.gateway.connect;

import static org.assertj.core.api.Assertions.assertThat;

import io.mqttcluster.gateway.connect.ConnectReader.Status;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * MQTT 5.0 CONNECTs: every CONNECT and will property read by its type, the Authentication Method kept, and the
 * malformed variants refused with the reason code the specification gives (0x81 malformed, 0x82 protocol error;
 * MQTT 5.0 sections 2.2.2.2, 3.1.2.11, 3.1.3.2, 4.13).
 */
class ConnectReaderMqtt5Test {
    private static final int CAP = 64 * 1024;

    private static ConnectReader readAll(byte[] packet) {
        ConnectReader r = new ConnectReader(CAP);
        r.feed(packet);
        return r;
    }

    private static ConnectReader withProperties(byte[] connectProperties) {
        return readAll(ConnectPackets.v5("p").properties(connectProperties).bytes());
    }

    private static ConnectReader withWillProperties(byte[] willProperties) {
        return readAll(ConnectPackets.v5("w").will("t", new byte[] {1}, 1, false).willProperties(willProperties).bytes());
    }

    private static void assertRefused(ConnectReader r, int reasonCode, String failureContains) {
        assertThat(r.status()).as(String.valueOf(r.failure())).isEqualTo(Status.INVALID);
        assertThat(r.reasonCode()).as(r.failure()).isEqualTo(reasonCode);
        assertThat(r.protocolLevel()).isEqualTo(5);
        assertThat(r.failure()).contains(failureContains);
    }

    @Test
    void feed_everyConnectAndWillProperty_completeWithAuthenticationMethodAndMaximumPacketSize() {
        byte[] p = ConnectPackets.v5("all-props")
                .properties(ConnectPackets.everyConnectProperty("SCRAM-SHA-256"))
                .will("last/will", "bye".getBytes(StandardCharsets.UTF_8), 2, true)
                .willProperties(ConnectPackets.everyWillProperty())
                .username("alice").password("secret".getBytes(StandardCharsets.UTF_8))
                .bytes();
        ConnectReader r = readAll(p);
        assertThat(r.status()).as(r.failure()).isEqualTo(Status.COMPLETE);
        ConnectInfo c = r.connect();
        assertThat(c.clientId()).isEqualTo("all-props");
        assertThat(c.mqtt5()).isTrue();
        assertThat(c.protocolLabel()).isEqualTo("5.0");
        assertThat(c.authenticationMethod()).isEqualTo("SCRAM-SHA-256");
        assertThat(c.maximumPacketSize()).isEqualTo(256 * 1024);
        assertThat(c.will()).isTrue();
        assertThat(c.packetLength()).isEqualTo(p.length);
        assertThat(r.reasonCode()).isZero();
        assertThat(c.toString()).doesNotContain("alice").doesNotContain("secret");
    }

    @Test
    void feed_everyPropertyOneByteAtATime_completeOnlyOnTheLastByte() {
        byte[] p = ConnectPackets.v5("slow5").properties(ConnectPackets.everyConnectProperty("KERBEROS"))
                .will("w", new byte[0], 0, false).willProperties(ConnectPackets.everyWillProperty()).bytes();
        ConnectReader r = new ConnectReader(CAP);
        for (int i = 0; i < p.length - 1; i++) {
            assertThat(r.feed(p, i, 1)).isEqualTo(Status.NEED_MORE);
        }
        assertThat(r.feed(p, p.length - 1, 1)).isEqualTo(Status.COMPLETE);
        assertThat(r.connect().authenticationMethod()).isEqualTo("KERBEROS");
    }

    @Test
    void feed_noProperties_noAuthenticationMethodAndNoMaximum() {
        ConnectInfo c = readAll(ConnectPackets.v5("plain").bytes()).connect();
        assertThat(c.authenticationMethod()).isNull();
        assertThat(c.maximumPacketSize()).isZero();
        ConnectInfo v311 = readAll(ConnectPackets.v311("old").bytes()).connect();
        assertThat(v311.mqtt5()).isFalse();
        assertThat(v311.protocolLabel()).isEqualTo("3.1.1");
        assertThat(readAll(ConnectPackets.v31("older").bytes()).connect().protocolLabel()).isEqualTo("3.1");
    }

    @Test
    void feed_authenticationMethodAlone_kept() {
        ConnectReader r = withProperties(ConnectPackets.props().utf8(0x15, "TOKEN").bytes());
        assertThat(r.connect().authenticationMethod()).isEqualTo("TOKEN");
    }

    @Test
    void feed_maximumPacketSizeAtItsLargest_readUnsigned() {
        ConnectReader r = withProperties(ConnectPackets.props().u32(0x27, 0xFFFF_FFFFL).bytes());
        assertThat(r.connect().maximumPacketSize()).isEqualTo(0xFFFF_FFFFL);
    }

    @Test
    void feed_emptyClientIdWithProperties_complete() {
        // MQTT 5.0 section 3.1.3.1: the node assigns an id; the gateway routes it by load (docs/gateway.md)
        ConnectReader r = readAll(ConnectPackets.v5("").properties(ConnectPackets.sampleConnectProperties()).bytes());
        assertThat(r.status()).isEqualTo(Status.COMPLETE);
        assertThat(r.connect().clientId()).isEmpty();
    }

    // ---------------------------------------------------------------- malformed: 0x81

    @Test
    void feed_unknownPropertyIdentifier_malformed() {
        assertRefused(withProperties(ConnectPackets.props().u8(0x7F, 0).bytes()), 0x81, "0x7f");
        assertRefused(withProperties(ConnectPackets.props().raw(0x91, 0x00).bytes()), 0x81, "0x91");
    }

    @Test
    void feed_willPropertyAmongConnectProperties_malformed() {
        assertRefused(withProperties(ConnectPackets.props().u32(0x18, 5).bytes()), 0x81, "not a CONNECT property");
        // Topic Alias (0x23) belongs to PUBLISH only
        assertRefused(withProperties(ConnectPackets.props().u16(0x23, 1).bytes()), 0x81, "0x23");
    }

    @Test
    void feed_connectPropertyAmongWillProperties_malformed() {
        assertRefused(withWillProperties(ConnectPackets.props().u32(0x11, 5).bytes()), 0x81, "not a will property");
    }

    @Test
    void feed_propertyBlockLongerThanThePacket_malformed() {
        byte[] p = ConnectPackets.v5("len").bytes();
        // 0x10, len, 0, 4, M, Q, T, T, 5, flags, keepalive(2), property length: claim 100 bytes of properties
        p[12] = 100;
        assertRefused(readAll(p), 0x81, "runs past");
    }

    @Test
    void feed_propertyValuePastTheEndOfItsBlock_malformed() {
        // block of 3 bytes: Session Expiry Interval wants 4 after its identifier
        assertRefused(withProperties(new byte[] {0x11, 0, 0}), 0x81, "runs past");
        // a user property whose value length runs past the block
        assertRefused(withProperties(ConnectPackets.props().raw(0x26, 0, 1, 'k', 0, 9, 'v').bytes()), 0x81, "runs past");
        // will Correlation Data whose length runs past the block
        assertRefused(withWillProperties(ConnectPackets.props().raw(0x09, 0, 5, 1).bytes()), 0x81, "runs past");
    }

    @Test
    void feed_propertyLengthOverFourBytes_malformed() {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(new byte[] {0, 4, 'M', 'Q', 'T', 'T', 5, 0x02, 0, 60});
        body.writeBytes(new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x01}); // 5-byte length
        body.writeBytes(new byte[] {0, 1, 'x'});
        byte[] packet = new byte[2 + body.size()];
        packet[0] = 0x10;
        packet[1] = (byte) body.size();
        System.arraycopy(body.toByteArray(), 0, packet, 2, body.size());
        assertRefused(readAll(packet), 0x81, "variable byte integer");
    }

    @Test
    void feed_authenticationMethodNotUtf8_malformed() {
        assertRefused(withProperties(ConnectPackets.props().raw(0x15, 0, 2, 0xC3, 0x28).bytes()), 0x81, "Authentication Method");
    }

    @Test
    void feed_reservedFlagOrWillQos3OrClientIdNotUtf8_malformedWithLevel5() {
        byte[] reserved = ConnectPackets.v5("r").bytes();
        reserved[9] |= 0x01;
        assertRefused(readAll(reserved), 0x81, "reserved");
        byte[] qos3 = ConnectPackets.v5("q").will("t", new byte[0], 0, false).bytes();
        qos3[9] |= 0x18;
        assertRefused(readAll(qos3), 0x81, "QoS 3");
        assertRefused(readAll(ConnectPackets.v5("").clientIdRaw(new byte[] {(byte) 0xC3, 0x28}).bytes()), 0x81, "UTF-8");
    }

    @Test
    void feed_bytesLeftOverAfterThePayload_malformed() {
        byte[] p = ConnectPackets.v5("pad").bytes();
        byte[] longer = Arrays.copyOf(p, p.length + 1);
        longer[1]++;
        assertRefused(readAll(longer), 0x81, "left over");
    }

    // ---------------------------------------------------------------- protocol error: 0x82

    @Test
    void feed_propertyGivenTwice_protocolError() {
        assertRefused(withProperties(ConnectPackets.props().u32(0x11, 1).u32(0x11, 2).bytes()), 0x82, "Session Expiry Interval given twice");
        assertRefused(withProperties(ConnectPackets.props().utf8(0x15, "A").utf8(0x15, "B").bytes()), 0x82, "Authentication Method");
        assertRefused(withWillProperties(ConnectPackets.props().utf8(0x03, "a").utf8(0x03, "b").bytes()), 0x82, "Content Type");
    }

    @Test
    void feed_userPropertyManyTimes_allowed() {
        ConnectPackets.Props props = ConnectPackets.props();
        for (int i = 0; i < 50; i++) {
            props.pair(0x26, "k", "v" + i);
        }
        assertThat(withProperties(props.bytes()).status()).isEqualTo(Status.COMPLETE);
        assertThat(withWillProperties(props.bytes()).status()).isEqualTo(Status.COMPLETE);
    }

    @Test
    void feed_zeroReceiveMaximumOrMaximumPacketSize_protocolError() {
        assertRefused(withProperties(ConnectPackets.props().u16(0x21, 0).bytes()), 0x82, "Receive Maximum");
        assertRefused(withProperties(ConnectPackets.props().u32(0x27, 0).bytes()), 0x82, "Maximum Packet Size");
    }

    @Test
    void feed_requestInformationNotZeroOrOne_protocolError() {
        assertRefused(withProperties(ConnectPackets.props().u8(0x17, 2).bytes()), 0x82, "Request Problem Information");
        assertRefused(withProperties(ConnectPackets.props().u8(0x19, 7).bytes()), 0x82, "Request Response Information");
    }

    @Test
    void feed_authenticationDataWithoutMethod_protocolError() {
        assertRefused(withProperties(ConnectPackets.props().binary(0x16, new byte[] {1}).bytes()), 0x82, "without");
    }

    // ---------------------------------------------------------------- level known or not

    @Test
    void feed_refusedBeforeTheLevelIsKnown_noReasonCode() {
        ConnectReader notConnect = readAll(new byte[] {0x30, 0x00});
        assertThat(notConnect.protocolLevel()).isEqualTo(-1);
        assertThat(notConnect.reasonCode()).isZero();
        ConnectReader unknownLevel = readAll(ConnectPackets.v5("x").protocol("MQTT", 6).bytes());
        assertThat(unknownLevel.status()).isEqualTo(Status.INVALID);
        assertThat(unknownLevel.protocolLevel()).isEqualTo(-1);
        assertThat(unknownLevel.reasonCode()).isZero();
    }

    @Test
    void feed_mqtt311Refused_levelFourSoNoConnackIsSent() {
        byte[] p = ConnectPackets.v311("r").bytes();
        p[9] |= 0x01;
        ConnectReader r = readAll(p);
        assertThat(r.status()).isEqualTo(Status.INVALID);
        assertThat(r.protocolLevel()).isEqualTo(4);
    }

    @Test
    void feed_oversizeMqtt5_packetTooLargeWhenTheLevelArrivedWithTheHeader() {
        byte[] p = ConnectPackets.v5("big").will("t", new byte[3000], 0, false).bytes();
        ConnectReader withLevel = new ConnectReader(1024);
        assertThat(withLevel.feed(p, 0, 12)).isEqualTo(Status.OVERSIZE);
        assertThat(withLevel.protocolLevel()).isEqualTo(5);
        assertThat(withLevel.reasonCode()).isEqualTo(0x95);
        ConnectReader headerOnly = new ConnectReader(1024);
        assertThat(headerOnly.feed(p, 0, 3)).isEqualTo(Status.OVERSIZE);
        assertThat(headerOnly.protocolLevel()).isEqualTo(-1);
        assertThat(headerOnly.reasonCode()).isZero();
    }

    @Test
    void feed_mutatedMqtt5ConnectsFuzz_neverThrowsAndRefusalsCarryAReasonCodeOnceTheLevelIsKnown() {
        byte[] seed = ConnectPackets.v5("fuzz").properties(ConnectPackets.everyConnectProperty("M"))
                .will("w", new byte[] {1, 2}, 1, false).willProperties(ConnectPackets.everyWillProperty()).bytes();
        Random random = new Random(0xA5A5);
        int complete = 0;
        int refusedWithCode = 0;
        for (int round = 0; round < 20_000; round++) {
            byte[] p = seed.clone();
            for (int m = 0; m < 1 + random.nextInt(3); m++) {
                p[random.nextInt(p.length)] = (byte) random.nextInt(256);
            }
            ConnectReader r = readAll(p);
            if (r.status() == Status.COMPLETE) {
                complete++;
            } else if (r.status() == Status.INVALID && r.protocolLevel() == 5) {
                assertThat(r.reasonCode()).as(r.failure()).isIn(0x81, 0x82);
                refusedWithCode++;
            }
        }
        assertThat(complete).isGreaterThan(0);
        assertThat(refusedWithCode).isGreaterThan(0);
    }
}
