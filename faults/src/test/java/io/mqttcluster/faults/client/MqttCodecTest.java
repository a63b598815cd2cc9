package io.mqttcluster.faults.client;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The client's framing, byte for byte against MQTT 3.1.1 chapters 2 and 3. */
class MqttCodecTest {

    @ParameterizedTest
    @CsvSource({"0,00", "127,7f", "128,8001", "16383,ff7f", "16384,808001", "2097151,ffff7f", "2097152,80808001",
            "268435455,ffffff7f"})
    void remainingLength_encodesTheSpecsBoundaries(int length, String hex) {
        // MQTT 3.1.1 table 2.4
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MqttCodec.writeRemainingLength(out, length);
        assertThat(HexFormat.of().formatHex(out.toByteArray())).isEqualTo(hex);
    }

    @Test
    void remainingLength_beyondFourBytes_isRefused() {
        assertThatThrownBy(() -> MqttCodec.writeRemainingLength(new ByteArrayOutputStream(), 268_435_456))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void connect_isLevel4_withCleanSessionFlagAndKeepAlive() {
        byte[] b = MqttCodec.connect("p1", false, 10);
        assertThat(HexFormat.of().formatHex(b)).isEqualTo("100e" + "00044d515454" + "04" + "00" + "000a" + "00027031");
        assertThat(MqttCodec.connect("p1", true, 10)[9]).isEqualTo((byte) 0x02);
    }

    @Test
    void publish_qos2WithDup_setsFlagsAndKeepsThePacketId() {
        byte[] b = MqttCodec.publish("a/b", "x".getBytes(StandardCharsets.US_ASCII), 2, true, 0x1234);
        // [MQTT-3.3.1-1] DUP, QoS bits 2-1; topic, packet id, payload
        assertThat(HexFormat.of().formatHex(b)).isEqualTo("3c08" + "0003612f62" + "1234" + "78");
    }

    @Test
    void publish_withoutPacketIdAtQos1_isRefused() {
        assertThatThrownBy(() -> MqttCodec.publish("a", new byte[0], 1, false, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void acks_haveTheirFixedHeaders() {
        assertThat(MqttCodec.puback(7)).containsExactly(0x40, 2, 0, 7);
        assertThat(MqttCodec.pubrec(7)).containsExactly(0x50, 2, 0, 7);
        assertThat(MqttCodec.pubrel(7)).containsExactly(0x62, 2, 0, 7); // [MQTT-3.6.1-1]
        assertThat(MqttCodec.pubcomp(0x0102)).containsExactly(0x70, 2, 1, 2);
        assertThat(MqttCodec.pingreq()).containsExactly(0xC0, 0);
        assertThat(MqttCodec.disconnect()).containsExactly(0xE0, 0);
    }

    @Test
    void subscribe_hasFlags0010_andOneQosBytePerFilter() {
        byte[] b = MqttCodec.subscribe(1, List.of("h/#", "x"), List.of(2, 1));
        assertThat(HexFormat.of().formatHex(b)).isEqualTo("820c" + "0001" + "0003682f23" + "02" + "000178" + "01");
    }

    @Test
    void read_returnsWholePacketsInOrder_andDecodesTheirFields() throws IOException {
        ByteArrayOutputStream s = new ByteArrayOutputStream();
        s.writeBytes(new byte[]{0x20, 2, 1, 0});                                 // CONNACK session present, 0
        s.writeBytes(MqttCodec.publish("h/p1/t", "hi".getBytes(), 2, true, 300)); // as a broker would resend it
        s.writeBytes(MqttCodec.publish("h/p1/t", "q0".getBytes(), 0, false, 0));
        s.writeBytes(new byte[]{(byte) 0x90, 4, 0, 9, 2, (byte) 0x80});          // SUBACK 9: 2, refused
        s.writeBytes(MqttCodec.pubrel(300));
        ByteArrayInputStream in = new ByteArrayInputStream(s.toByteArray());

        Packet connack = MqttCodec.read(in, 1 << 20);
        assertThat(connack.type()).isEqualTo(Packet.CONNACK);
        assertThat(connack.sessionPresent()).isTrue();
        assertThat(connack.connackCode()).isZero();
        Packet p = MqttCodec.read(in, 1 << 20);
        assertThat(p.type()).isEqualTo(Packet.PUBLISH);
        assertThat(p.qos()).isEqualTo(2);
        assertThat(p.dup()).isTrue();
        assertThat(p.topic()).isEqualTo("h/p1/t");
        assertThat(p.publishPacketId()).isEqualTo(300);
        assertThat(p.payload()).isEqualTo("hi".getBytes());
        Packet q0 = MqttCodec.read(in, 1 << 20);
        assertThat(q0.publishPacketId()).isZero();
        assertThat(q0.payload()).isEqualTo("q0".getBytes());
        Packet suback = MqttCodec.read(in, 1 << 20);
        assertThat(suback.packetId()).isEqualTo(9);
        assertThat(suback.subackCodes()).containsExactly(2, 0x80);
        Packet pubrel = MqttCodec.read(in, 1 << 20);
        assertThat(pubrel.type()).isEqualTo(Packet.PUBREL);
        assertThat(pubrel.flags()).isEqualTo(2);
        assertThat(pubrel.packetId()).isEqualTo(300);
        assertThatThrownBy(() -> MqttCodec.read(in, 1 << 20)).isInstanceOf(EOFException.class);
    }

    @Test
    void read_aPacketCutShort_isEndOfStream() {
        byte[] whole = MqttCodec.publish("a/b", "payload".getBytes(), 1, false, 1);
        for (int cut = 1; cut < whole.length; cut++) {
            ByteArrayInputStream in = new ByteArrayInputStream(whole, 0, cut);
            assertThatThrownBy(() -> MqttCodec.read(in, 1 << 20)).isInstanceOf(EOFException.class);
        }
    }

    @Test
    void read_fiveLengthBytes_orTooLarge_isMalformed() {
        byte[] five = {0x30, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x01};
        assertThatThrownBy(() -> MqttCodec.read(new ByteArrayInputStream(five), 1 << 20))
                .isInstanceOf(IOException.class).isNotInstanceOf(EOFException.class);
        byte[] big = {0x30, (byte) 0x80, (byte) 0x80, 0x01};
        assertThatThrownBy(() -> MqttCodec.read(new ByteArrayInputStream(big), 1000)).hasMessageContaining("more than");
    }
}
