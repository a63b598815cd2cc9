package io.mqttcluster.gateway.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mqttcluster.gateway.connect.VariableByteInteger.Step;
import org.junit.jupiter.api.Test;

/** The examples of the MQTT 5 spec's table 1.5.5 / MQTT 3.1.1 table 2.4, at both ends of each length. */
class VariableByteIntegerTest {

    /** Feeds every byte; returns the reader, asserting that only the last byte completes it. */
    private static VariableByteInteger read(int... bytes) {
        VariableByteInteger v = new VariableByteInteger();
        for (int i = 0; i < bytes.length - 1; i++) {
            assertThat(v.next(bytes[i])).as("byte %d", i).isEqualTo(Step.MORE);
        }
        assertThat(v.next(bytes[bytes.length - 1])).isEqualTo(Step.DONE);
        assertThat(v.length()).isEqualTo(bytes.length);
        return v;
    }

    @Test
    void next_oneByte_valuesZeroTo127() {
        assertThat(read(0x00).value()).isZero();
        assertThat(read(0x7F).value()).isEqualTo(127);
    }

    @Test
    void next_twoBytes_values128To16383() {
        assertThat(read(0x80, 0x01).value()).isEqualTo(128);
        assertThat(read(0xFF, 0x7F).value()).isEqualTo(16_383);
    }

    @Test
    void next_threeBytes_values16384To2097151() {
        assertThat(read(0x80, 0x80, 0x01).value()).isEqualTo(16_384);
        assertThat(read(0xFF, 0xFF, 0x7F).value()).isEqualTo(2_097_151);
    }

    @Test
    void next_fourBytes_valuesUpToTheMaximum() {
        assertThat(read(0x80, 0x80, 0x80, 0x01).value()).isEqualTo(2_097_152);
        // [MQTT-1.5.5] the largest value, 268,435,455, is FF FF FF 7F
        assertThat(read(0xFF, 0xFF, 0xFF, 0x7F).value()).isEqualTo(VariableByteInteger.MAX_VALUE).isEqualTo(268_435_455);
    }

    @Test
    void next_fourthByteAnnouncesAFifth_malformed() {
        VariableByteInteger v = new VariableByteInteger();
        assertThat(v.next(0xFF)).isEqualTo(Step.MORE);
        assertThat(v.next(0xFF)).isEqualTo(Step.MORE);
        assertThat(v.next(0xFF)).isEqualTo(Step.MORE);
        assertThat(v.next(0x80)).isEqualTo(Step.MALFORMED);
        assertThatThrownBy(() -> v.next(0x01)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void next_incompleteInput_staysMoreUntilTheLastByte() {
        VariableByteInteger v = new VariableByteInteger();
        assertThat(v.next(0x80)).isEqualTo(Step.MORE);
        assertThat(v.next(0x80)).isEqualTo(Step.MORE);
        assertThat(v.length()).isEqualTo(2);
        // the rest arrives later, in another chunk
        assertThat(v.next(0x01)).isEqualTo(Step.DONE);
        assertThat(v.value()).isEqualTo(16_384);
    }

    @Test
    void next_afterDone_refusesUntilReset() {
        VariableByteInteger v = read(0x05);
        assertThatThrownBy(() -> v.next(0x05)).isInstanceOf(IllegalStateException.class);
        assertThat(v.reset().next(0xC1)).isEqualTo(Step.MORE);
        assertThat(v.next(0x02)).isEqualTo(Step.DONE);
        assertThat(v.value()).isEqualTo(321);
        assertThat(v.length()).isEqualTo(2);
    }

    @Test
    void next_onlyTheLowEightBitsCount() {
        VariableByteInteger v = new VariableByteInteger();
        assertThat(v.next((byte) 0x85)).isEqualTo(Step.MORE); // a sign-extended byte
        assertThat(v.next(0x01)).isEqualTo(Step.DONE);
        assertThat(v.value()).isEqualTo(133);
    }
}
